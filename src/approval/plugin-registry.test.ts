import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import type { PluginEntry } from '../config/config-schema.js';
import type { PluginDeps } from './plugin-config.js';
import { createApprovalChain, createPlugins } from './plugin-registry.js';

const logger: PluginDeps['logger'] = { debug() {}, info() {}, warn() {}, error() {} };

function configErrorOf(entries: PluginEntry[], configKey?: string): { path: string; problem: string } {
  try {
    createApprovalChain(entries, { logger, configKey });
  } catch (error) {
    if (error instanceof ConfigError) {
      return { path: error.path, problem: error.problem };
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const valid: PluginEntry[] = [
  {
    name: 'http',
    config: { endpoint: 'https://approvals.example.com/check', timeout: '2s', headers: { a: 'b' } },
  },
  { name: 'blacklist', config: { list: ['gpt-4*'] } },
  { name: 'whitelist', config: { list: ['ollama/*'] } },
  { name: 'review', config: { patterns: ['claude-*'] } },
  { name: 'email', config: { pattern: '*@company.com' } },
];

describe('createApprovalChain configuration', () => {
  it('builds one plugin per entry, in order', () => {
    expect(createApprovalChain(valid, { logger }).plugins).toEqual([
      'http',
      'blacklist',
      'whitelist',
      'review',
      'email',
    ]);
    expect(createPlugins(valid, { logger })).toHaveLength(5);
  });

  it('accepts a pino logger', () => {
    expect(createApprovalChain(valid, { logger: pino({ level: 'silent' }) }).plugins).toHaveLength(5);
  });

  it('names the entry and lists the valid names for an unknown plugin', () => {
    const error = configErrorOf([valid[1] as PluginEntry, { name: 'blackist', config: { list: [] } }]);
    expect(error.path).toBe('approval_plugins[1].name');
    expect(error.problem).toContain('"blackist"');
    expect(error.problem).toContain('http, blacklist, whitelist, email, review, humanintheloop');
  });

  it.each(['toString', '__proto__', 'constructor', 'Blacklist', ' blacklist'])(
    'rejects the name %j instead of finding something on the registry object',
    (name) => {
      expect(configErrorOf([{ name, config: { list: [] } }]).path).toBe('approval_plugins[0].name');
    },
  );

  it.each<[string, PluginEntry, string, string]>([
    ['a missing config', { name: 'blacklist' }, 'approval_plugins[0].config.list', 'is required'],
    ['a missing list', { name: 'whitelist', config: {} }, 'approval_plugins[0].config.list', 'is required'],
    [
      'a misspelt key',
      { name: 'blacklist', config: { list: [], lists: ['x'] } },
      'approval_plugins[0].config.lists',
      'unknown key',
    ],
    [
      'a list that is a string',
      { name: 'blacklist', config: { list: 'gpt-4' } },
      'approval_plugins[0].config.list',
      'must be array',
    ],
    [
      'a pattern that is a number',
      { name: 'whitelist', config: { list: ['ollama/*', 7] } },
      'approval_plugins[0].config.list[1]',
      'must be string',
    ],
    [
      'an empty pattern',
      { name: 'whitelist', config: { list: ['ollama/*', ''] } },
      'approval_plugins[0].config.list[1]',
      'must not be empty',
    ],
    [
      'a missing email pattern',
      { name: 'email', config: {} },
      'approval_plugins[0].config.pattern',
      'is required',
    ],
    [
      'an empty email pattern',
      { name: 'email', config: { pattern: '' } },
      'approval_plugins[0].config.pattern',
      'must not be empty',
    ],
    [
      'an email pattern list',
      { name: 'email', config: { pattern: ['*@a.com'] } },
      'approval_plugins[0].config.pattern',
      'must be string',
    ],
    [
      'review given `list` instead of `patterns`',
      { name: 'review', config: { list: ['x'] } },
      'approval_plugins[0].config.patterns',
      'is required',
    ],
    [
      'both list and its alias patterns',
      { name: 'blacklist', config: { list: ['a'], patterns: ['b'] } },
      'approval_plugins[0].config.patterns',
      'not both',
    ],
    [
      'humanintheloop given `list` instead of `patterns`',
      { name: 'humanintheloop', config: { list: ['x'] } },
      'approval_plugins[0].config.patterns',
      'is required',
    ],
    [
      'a humanintheloop reviewer that is not an address',
      { name: 'humanintheloop', config: { patterns: ['x'], email: 'reviewers' } },
      'approval_plugins[0].config.email',
      'domain',
    ],
    [
      'a missing endpoint',
      { name: 'http', config: {} },
      'approval_plugins[0].config.endpoint',
      'is required',
    ],
    [
      'a non-http endpoint',
      { name: 'http', config: { endpoint: 'file:///etc/passwd' } },
      'approval_plugins[0].config.endpoint',
      'must be an http(s) URL',
    ],
    [
      'a zero timeout',
      { name: 'http', config: { endpoint: 'http://x.test/', timeout: 0 } },
      'approval_plugins[0].config.timeout',
      'must be > 0',
    ],
    [
      'a timeout over a minute',
      { name: 'http', config: { endpoint: 'http://x.test/', timeout: 61 } },
      'approval_plugins[0].config.timeout',
      'must be <= 60',
    ],
    [
      'a boolean timeout',
      { name: 'http', config: { endpoint: 'http://x.test/', timeout: true } },
      'approval_plugins[0].config.timeout',
      'must be number or string',
    ],
    [
      'a bad duration string',
      { name: 'http', config: { endpoint: 'http://x.test/', timeout: 'soon' } },
      'approval_plugins[0].config.timeout',
      'duration like 500ms or 5s',
    ],
    [
      'a header value that is not a string',
      { name: 'http', config: { endpoint: 'http://x.test/', headers: { 'X-Retries': 3 } } },
      'approval_plugins[0].config.headers.X-Retries',
      'must be string',
    ],
    [
      'an unknown http key',
      { name: 'http', config: { endpoint: 'http://x.test/', url: 'http://x.test/' } },
      'approval_plugins[0].config.url',
      'unknown key',
    ],
  ])('names the exact key for %s', (_label, entry, path, problem) => {
    const error = configErrorOf([entry]);
    expect(error.path).toBe(path);
    expect(error.problem).toContain(problem);
  });

  it("accepts the original service's keys: patterns for whitelist and blacklist, humanintheloop with email", async () => {
    const chain = createApprovalChain(
      [
        { name: 'blacklist', config: { patterns: ['*-preview'] } },
        { name: 'humanintheloop', config: { patterns: ['gpt-4*'], email: 'reviewer@example.com' } },
        { name: 'whitelist', config: { patterns: ['ollama/*'] } },
      ],
      { logger },
    );
    expect(chain.plugins).toEqual(['blacklist', 'humanintheloop', 'whitelist']);
    expect(chain.reviewers).toEqual(['reviewer@example.com']);
    const decide = async (model: string) =>
      (await chain.evaluate({ requestId: 'r', email: 'a@example.com', model })).decision;
    expect(await decide('o1-preview')).toBe('DENY');
    expect(await decide('gpt-4o')).toBe('REVIEW');
    expect(await decide('ollama/llama3')).toBe('APPROVE');
  });

  it('reports the entry index within the whole list', () => {
    const entries: PluginEntry[] = [...valid, { name: 'blacklist', config: { list: ['ok', ''] } }];
    expect(configErrorOf(entries).path).toBe('approval_plugins[5].config.list[1]');
  });

  it('uses the alias key in paths when the entries came from `approvals`', () => {
    expect(configErrorOf([{ name: 'email', config: {} }], 'approvals').path).toBe(
      'approvals[0].config.pattern',
    );
  });

  it('never puts a header value in the error', () => {
    const error = configErrorOf([
      {
        name: 'http',
        config: { endpoint: 'http://x.test/', headers: { Authorization: 'Bearer tok-123\n' } },
      },
    ]);
    expect(error.path).toBe('approval_plugins[0].config.headers.Authorization');
    expect(JSON.stringify(error)).not.toContain('tok-123');
  });
});
