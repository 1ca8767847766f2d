import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../plugin-config.js';
import { whitelistPlugin } from './whitelist-plugin.js';

const deps: PluginDeps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };
const subject = (model: string) => ({ requestId: 'req-1', email: 'user@gmail.com', model });

describe('whitelist plugin', () => {
  const plugin = whitelistPlugin.create({ list: ['ollama/*', 'llama-*', 'mistral-7b'] }, deps);

  it('approves a model matching any pattern, whoever asks', async () => {
    const result = await plugin.evaluate(subject('ollama/llama2'));
    expect(result.decision).toBe('APPROVE');
    expect(result.reason).toContain('"ollama/*"');
    expect((await plugin.evaluate(subject('llama-3-70b'))).decision).toBe('APPROVE');
    expect((await plugin.evaluate(subject('mistral-7b'))).decision).toBe('APPROVE');
  });

  it('continues for a model that matches nothing', async () => {
    expect(await plugin.evaluate(subject('mistral-7b-instruct'))).toEqual({ decision: 'CONTINUE' });
    expect(await plugin.evaluate(subject('gpt-4'))).toEqual({ decision: 'CONTINUE' });
  });

  it('matches model ids case-sensitively', async () => {
    expect((await plugin.evaluate(subject('Ollama/llama2'))).decision).toBe('CONTINUE');
  });
});
