import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../plugin-config.js';
import { blacklistPlugin } from './blacklist-plugin.js';

const deps: PluginDeps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };
const subject = (model: string) => ({ requestId: 'req-1', email: 'user@company.com', model });

describe('blacklist plugin', () => {
  const plugin = blacklistPlugin.create({ list: ['anthropic/*', 'gpt-4*', 'o1-preview'] }, deps);

  it('denies a model matching any pattern and names the model and the pattern', async () => {
    const result = await plugin.evaluate(subject('gpt-4o'));
    expect(result.decision).toBe('DENY');
    expect(result.reason).toContain('"gpt-4o"');
    expect(result.reason).toContain('"gpt-4*"');
    expect((await plugin.evaluate(subject('anthropic/claude-3'))).decision).toBe('DENY');
    expect((await plugin.evaluate(subject('o1-preview'))).decision).toBe('DENY');
  });

  it('continues for a model that matches nothing', async () => {
    expect(await plugin.evaluate(subject('gpt-3.5-turbo'))).toEqual({ decision: 'CONTINUE' });
    expect(await plugin.evaluate(subject('o1-preview-2'))).toEqual({ decision: 'CONTINUE' });
  });

  it('matches model ids case-sensitively', async () => {
    expect((await plugin.evaluate(subject('GPT-4o'))).decision).toBe('CONTINUE');
  });

  it('continues for everything with an empty list', async () => {
    const empty = blacklistPlugin.create({ list: [] }, deps);
    expect((await empty.evaluate(subject('gpt-4'))).decision).toBe('CONTINUE');
  });
});
