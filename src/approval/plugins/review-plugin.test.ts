import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../plugin-config.js';
import { reviewPlugin } from './review-plugin.js';

const deps: PluginDeps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };
const subject = (model: string) => ({ requestId: 'req-1', email: 'user@company.com', model });

describe('review plugin', () => {
  const plugin = reviewPlugin.create({ patterns: ['gpt-4o', 'claude-*'] }, deps);

  it('parks a matching model for admin review', async () => {
    const result = await plugin.evaluate(subject('claude-sonnet-4'));
    expect(result.decision).toBe('REVIEW');
    expect(result.reason).toContain('requires admin review');
    expect((await plugin.evaluate(subject('gpt-4o'))).decision).toBe('REVIEW');
  });

  it('continues for a model that matches nothing', async () => {
    expect(await plugin.evaluate(subject('gpt-4o-mini'))).toEqual({ decision: 'CONTINUE' });
  });
});
