import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config/config-schema.js';
import { createModelCatalog, type ModelCatalogDeps } from './model-catalog.js';

const MODELS: ModelConfig[] = [
  { id: 'gpt-4o', title: 'GPT-4o', featured: true, key: { max_budget: 10 } },
  { id: 'claude-3', title: 'Claude 3' },
];

function catalogWith(enableModels: boolean, answers: string[][]) {
  let clock = 0;
  let calls = 0;
  const deps: ModelCatalogDeps = {
    config: {
      models: MODELS,
      featuredModels: [],
      allowUnlistedModels: false,
      litellm: { enableModels } as ModelCatalogDeps['config']['litellm'],
    },
    fetchProxyModels: async () => answers[Math.min(calls++, answers.length - 1)] ?? [],
    logger: { warn() {} },
    cacheMs: 1000,
    now: () => clock,
  };
  return {
    catalog: createModelCatalog(deps),
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('the model catalog', () => {
  it('hands out the same list until it changes, so it is serialised once per change', async () => {
    const { catalog } = catalogWith(false, []);
    const first = await catalog.list();
    expect(first.map((model) => model.id)).toEqual(['gpt-4o', 'claude-3']);
    expect(first[0]).not.toHaveProperty('key');
    expect(await catalog.list()).toBe(first);
    expect(await catalog.featured()).toBe(await catalog.featured());
    expect((await catalog.featured()).map((model) => model.id)).toEqual(['gpt-4o']);
  });

  it('makes a new list when the proxy answers anew, and only then', async () => {
    const { catalog, advance } = catalogWith(true, [['claude-3', 'extra/a'], ['extra/b']]);
    const first = await catalog.list();
    expect(first.map((model) => model.id)).toEqual(['gpt-4o', 'claude-3', 'extra/a']);
    advance(500);
    expect(await catalog.list()).toBe(first);
    advance(600);
    const second = await catalog.list();
    expect(second).not.toBe(first);
    expect(second.map((model) => model.id)).toEqual(['gpt-4o', 'claude-3', 'extra/b']);
    expect(await catalog.list()).toBe(second);
  });
});
