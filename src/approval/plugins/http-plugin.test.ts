import { describe, expect, it } from 'vitest';
import type { PluginDeps } from '../plugin-config.js';
import { PluginConfigIssue } from '../plugin-config.js';
import { httpPlugin } from './http-plugin.js';

// The network behaviour is covered against a real server in test/approval-http-plugin.test.ts;
// these tests cover what `create` accepts and rejects.
const deps: PluginDeps = { logger: { debug() {}, info() {}, warn() {}, error() {} } };
const endpoint = 'https://approvals.example.com/api/approve';

function problemOf(
  config: Parameters<typeof httpPlugin.create>[0],
): { pointer: string; problem: string } | null {
  try {
    httpPlugin.create(config, deps);
    return null;
  } catch (error) {
    if (error instanceof PluginConfigIssue) {
      return { pointer: error.pointer, problem: error.problem };
    }
    throw error;
  }
}

describe('http plugin config', () => {
  it.each([[undefined], [5], [0.2], [60], ['500ms'], ['5s'], ['60s'], ['1m']])(
    'accepts timeout %j',
    (timeout) => {
      expect(problemOf({ endpoint, timeout })).toBeNull();
    },
  );

  it.each([
    ['5x', 'must be a number of seconds or a duration like 500ms or 5s'],
    ['5', 'must be a number of seconds or a duration like 500ms or 5s'],
    ['0s', 'must be a number of seconds or a duration like 500ms or 5s'],
    ['61s', 'must be at most 60s'],
    ['2m', 'must be at most 60s'],
  ])('rejects timeout %j', (timeout, problem) => {
    expect(problemOf({ endpoint, timeout })).toEqual({
      pointer: '/timeout',
      problem: expect.stringContaining(problem),
    });
  });

  it.each([
    ['ftp://example.com/approve', 'must be an http(s) URL'],
    ['example.com/approve', 'must be an http(s) URL'],
    ['https://user:pw@example.com/approve', 'must not contain a user or password'],
  ])('rejects endpoint %j', (bad, problem) => {
    expect(problemOf({ endpoint: bad })).toEqual({
      pointer: '/endpoint',
      problem: expect.stringContaining(problem),
    });
  });

  it('does not echo the password of an endpoint URL', () => {
    expect(JSON.stringify(problemOf({ endpoint: 'https://user:hunter22@example.com/' }))).not.toContain(
      'hunter22',
    );
  });

  it('accepts plain http and custom headers', () => {
    expect(
      problemOf({
        endpoint: 'http://127.0.0.1:9/x?y=1',
        headers: { Authorization: 'Bearer t', 'X-Api-Key': 'k' },
      }),
    ).toBeNull();
  });

  it.each([
    [{ 'bad name': 'x' }, '/headers/bad name', 'is not a valid HTTP header name'],
    [{ 'Content-Type': 'text/plain' }, '/headers/Content-Type', 'is set by the plugin itself'],
    [{ Host: 'evil.example.com' }, '/headers/Host', 'is set by the plugin itself'],
    [{ 'X-Token': 'secret-value\r\nX-Injected: 1' }, '/headers/X-Token', 'must not contain line breaks'],
  ])('rejects headers %j', (headers, pointer, problem) => {
    const issue = problemOf({ endpoint, headers });
    expect(issue).toEqual({ pointer, problem: expect.stringContaining(problem) });
    expect(JSON.stringify(issue)).not.toContain('secret-value');
  });
});
