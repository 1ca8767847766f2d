import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { withDotEnv } from './dot-env.js';
import { loadConfig } from './load-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-dot-env-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('withDotEnv', () => {
  it('is the environment unchanged without a .env file', () => {
    const env = { A: '1' };
    expect(withDotEnv(env, dir)).toBe(env);
  });

  it('adds the variables of .env, the process environment winning, empty values skipped', () => {
    writeFileSync(
      join(dir, '.env'),
      [
        '# the original service read this file too',
        'LITELLM_BASE_URL=http://from-file:4000',
        'export LITELLM_API_KEY="sk-file key"',
        "MCP_API_KEY='from-file'",
        'SMTP_HOST=',
        'ADMIN_USERNAME=file-admin # a comment',
      ].join('\n'),
    );
    const env = withDotEnv({ MCP_API_KEY: 'from-process', SMTP_HOST: 'mail.example.com' }, dir);
    expect(env).toEqual({
      LITELLM_BASE_URL: 'http://from-file:4000',
      LITELLM_API_KEY: 'sk-file key',
      MCP_API_KEY: 'from-process',
      SMTP_HOST: 'mail.example.com',
      ADMIN_USERNAME: 'file-admin',
    });
  });

  it('lets a variable set empty in the process hide the file value, as any set variable does', () => {
    writeFileSync(join(dir, '.env'), 'LITELLM_API_KEY=sk-file\n');
    expect(withDotEnv({ LITELLM_API_KEY: '' }, dir).LITELLM_API_KEY).toBe('');
  });

  it('feeds the config loader, CONFIG_FILE included', () => {
    writeFileSync(join(dir, '.env'), 'CONFIG_FILE=other.yaml\nlitellm_base_url=http://lower:4000\n');
    writeFileSync(join(dir, 'other.yaml'), 'models: [{id: m, title: M}]\n');
    const config = loadConfig({ env: withDotEnv({}, dir), cwd: dir });
    expect(config.models.map((model) => model.id)).toEqual(['m']);
    expect(config.litellm.baseUrl).toBe('http://lower:4000');
  });

  it('stops start-up, naming .env, when the file cannot be read', () => {
    mkdirSync(join(dir, '.env'));
    expect(() => withDotEnv({}, dir)).toThrow(ConfigError);
    expect(() => withDotEnv({}, dir)).toThrow(/^\.env: cannot read .*EISDIR/);
  });
});
