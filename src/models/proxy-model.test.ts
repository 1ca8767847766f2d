import { describe, expect, it } from 'vitest';
import { createModelCatalog } from './model-catalog.js';
import { proxyModelView, pythonTitle } from './proxy-model.js';

describe('pythonTitle', () => {
  it.each([
    ['gpt 4o mini', 'Gpt 4O Mini'],
    ['openai/gpt 4', 'Openai/Gpt 4'],
    ['claude 3.5 sonnet', 'Claude 3.5 Sonnet'],
    ['GPT 4O', 'Gpt 4O'],
    ['llama3.1:8b', 'Llama3.1:8B'],
    ['ollama/llama2', 'Ollama/Llama2'],
    ["they're", "They'Re"],
    ['', ''],
  ])('%j -> %j', (text, title) => {
    expect(pythonTitle(text)).toBe(title);
  });
});

describe('proxyModelView', () => {
  it("gives a proxy model the original service's title, icon, colour and description", () => {
    expect(proxyModelView('gpt-4o-mini')).toEqual({
      id: 'gpt-4o-mini',
      title: 'Gpt 4O Mini',
      icon: 'mdi:robot',
      color: '#6366f1',
      description: 'Model from LiteLLM: gpt-4o-mini',
    });
  });
});

describe('the catalog with proxy models', () => {
  it('lists the proxy models the config does not name, the config winning on duplicate ids', async () => {
    const catalog = createModelCatalog({
      config: {
        models: [{ id: 'gpt-4o', title: 'GPT-4o', icon: 'simple-icons:openai' }],
        featuredModels: [],
        allowUnlistedModels: false,
        litellm: {
          baseUrl: 'http://proxy',
          apiKey: '',
          gatewayUrl: 'http://proxy',
          enableModels: true,
          keyDefaults: {},
        },
      },
      fetchProxyModels: async () => ['gpt-4o', 'openai/gpt-4'],
      logger: { warn() {} },
    });
    expect(await catalog.list()).toEqual([
      { id: 'gpt-4o', title: 'GPT-4o', icon: 'simple-icons:openai' },
      {
        id: 'openai/gpt-4',
        title: 'Openai/Gpt 4',
        icon: 'mdi:robot',
        color: '#6366f1',
        description: 'Model from LiteLLM: openai/gpt-4',
      },
    ]);
  });
});
