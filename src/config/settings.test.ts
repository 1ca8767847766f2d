import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS, type Setting } from './settings.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The rows of the README's "Environment variables" table: `| name(s) | default(s) | meaning |`.
 * Several names in one row (`PORT` / `HOST`) share the row; their defaults are either listed
 * in the same order or one for all. */
function readmeDefaults(): Map<string, string> {
  const section = README.split(/^### Environment variables$/m)[1]?.split(/^#/m)[0] ?? '';
  const rows = section.split('\n').filter((line) => /^\| `[A-Z_]+`/.test(line));
  const defaults = new Map<string, string>();
  for (const row of rows) {
    const [names = '', values = ''] = row
      .split('|')
      .slice(1, 3)
      .map((cell) => cell.trim());
    const envNames = names.split(' / ').map((name) => name.replaceAll('`', ''));
    const envDefaults =
      envNames.length > 1 && values.includes(' / ') ? values.split(' / ') : envNames.map(() => values);
    envNames.forEach((name, index) => {
      defaults.set(name, envDefaults[index] ?? '');
    });
  }
  return defaults;
}

/** How the README shows a row's default. */
function documented(row: Setting<unknown>): string {
  if (typeof row.default !== 'string') {
    return row.default.doc;
  }
  return row.default === '' ? 'empty' : `\`${row.default}\``;
}

describe("the README's environment-variable table", () => {
  const rows = Object.values(SETTINGS) as Setting<unknown>[];
  const envRows = rows.filter((row) => row.env !== null);

  it('lists exactly the environment variables of config/settings.ts', () => {
    expect([...readmeDefaults().keys()].sort()).toEqual(envRows.map((row) => row.env).sort());
  });

  it.each(envRows.map((row) => [row.env, row] as const))(
    'gives the default of %s as the loader has it',
    (env, row) => {
      expect(readmeDefaults().get(String(env))).toBe(documented(row));
    },
  );
});

describe('the settings table', () => {
  it('names each env var and config key once', () => {
    const rows = Object.values(SETTINGS) as Setting<unknown>[];
    const envs = rows.flatMap((row) => (row.env === null ? [] : [row.env]));
    const keys = rows.flatMap((row) => (row.key === null ? [] : [row.key]));
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has written defaults its own parsers accept', () => {
    for (const [name, row] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
      if (typeof row.default === 'string') {
        expect(() => row.parse(row.default as string, name), name).not.toThrow();
      }
    }
  });
});
