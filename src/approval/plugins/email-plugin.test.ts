import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../plugin-config.js';
import { emailPlugin } from './email-plugin.js';

const deps: PluginDeps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };
const subject = (email: string) => ({ requestId: 'req-1', email, model: 'claude-3' });

describe('email plugin', () => {
  const plugin = emailPlugin.create({ pattern: '*@company.com' }, deps);

  it('approves an email matching the pattern', async () => {
    const result = await plugin.evaluate(subject('user@company.com'));
    expect(result.decision).toBe('APPROVE');
    expect(result.reason).toContain('"*@company.com"');
  });

  it('denies any other email, saying it is not allowed without repeating the address', async () => {
    const result = await plugin.evaluate(subject('user@gmail.com'));
    expect(result.decision).toBe('DENY');
    expect(result.reason).toContain('not allowed');
    expect(result.reason).toContain('"*@company.com"');
    expect(result.reason).not.toContain('user@gmail.com');
  });

  it('does not let a look-alike domain through', async () => {
    expect((await plugin.evaluate(subject('user@company.com.evil.org'))).decision).toBe('DENY');
    expect((await plugin.evaluate(subject('user@evilcompany.com'))).decision).toBe('DENY');
    expect((await plugin.evaluate(subject('user@companyxcom'))).decision).toBe('DENY');
  });

  it('matches case-insensitively, whatever case the operator wrote', async () => {
    const upper = emailPlugin.create({ pattern: '*@Company.COM' }, deps);
    expect((await upper.evaluate(subject('user@company.com'))).decision).toBe('APPROVE');
  });

  it('supports ? and sets like the other plugins', async () => {
    const sets = emailPlugin.create({ pattern: '[a-c]??@*.company.com' }, deps);
    expect((await sets.evaluate(subject('bob@eu.company.com'))).decision).toBe('APPROVE');
    expect((await sets.evaluate(subject('dan@eu.company.com'))).decision).toBe('DENY');
  });
});
