import { describe, expect, it } from 'vitest';
import { PluginConfigIssue, type PluginDeps } from '../plugin-config.js';
import { humanInTheLoopPlugin, reviewPlugin } from './review-plugin.js';

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

  it('tells nobody beyond admin.notify without an email', () => {
    expect(plugin.notify).toEqual([]);
    expect(reviewPlugin.create({ patterns: [], email: null }, deps).notify).toEqual([]);
    expect(reviewPlugin.create({ patterns: [], email: '  ' }, deps).notify).toEqual([]);
  });
});

describe('humanintheloop plugin (the original name of review)', () => {
  it('parks like review and names its reviewer, normalised', async () => {
    const plugin = humanInTheLoopPlugin.create({ patterns: ['gpt-4*'], email: ' Boss@Example.com ' }, deps);
    expect(plugin.name).toBe('humanintheloop');
    expect(plugin.notify).toEqual(['boss@example.com']);
    expect((await plugin.evaluate(subject('gpt-4o'))).decision).toBe('REVIEW');
    expect((await plugin.evaluate(subject('llama'))).decision).toBe('CONTINUE');
  });

  it('refuses a reviewer address that is not one', () => {
    expect(() => humanInTheLoopPlugin.create({ patterns: [], email: 'nobody' }, deps)).toThrow(
      PluginConfigIssue,
    );
  });
});
