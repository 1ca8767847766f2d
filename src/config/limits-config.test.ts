import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lkr-limits-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function load(yaml: string, env: Record<string, string> = {}) {
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return loadConfig({ env, cwd: dir, serviceAccountNamespaceFile: join(dir, 'none') });
}

describe('limits and trust_proxy', () => {
  it('have the documented defaults', () => {
    const config = load('');
    expect(config.trustProxy).toBe(false);
    expect(config.limits).toEqual({
      rateLimitsEnabled: true,
      requestKeyPerIp: { max: 20, windowMs: 60_000 },
      newRequestsPerAddress: { max: 5, windowMs: 3_600_000 },
      newRequestsPerDomain: { max: 100, windowMs: 3_600_000 },
      failedSignInsPerIp: { max: 5, windowMs: 900_000 },
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 15_000,
      keepAliveTimeoutMs: 65_000,
      connectionTimeoutMs: 120_000,
      maxConnections: 1000,
    });
  });

  it('are read from the file, one field of a limit at a time', () => {
    const config = load(`
trust_proxy: 10.0.0.0/8, 127.0.0.1
limits:
  enabled: false
  request_key_per_ip: {max: 0}
  new_requests_per_domain: {window: 1m}
  request_timeout: 30s
  max_connections: 50
`);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.limits).toMatchObject({
      rateLimitsEnabled: false,
      requestKeyPerIp: { max: 0, windowMs: 60_000 },
      newRequestsPerDomain: { max: 100, windowMs: 60_000 },
      requestTimeoutMs: 30_000,
      maxConnections: 50,
    });
  });

  it('take RATE_LIMITS_ENABLED and TRUST_PROXY from the environment over the file', () => {
    const config = load('limits: {enabled: true}\ntrust_proxy: false', {
      RATE_LIMITS_ENABLED: 'false',
      TRUST_PROXY: '2',
    });
    expect(config.limits.rateLimitsEnabled).toBe(false);
    expect(config.trustProxy).toBe(2);
  });

  it.each([
    ['limits: {request_key_per_ip: {max: 5, per: 1m}}', /^limits\.request_key_per_ip/],
    ['limits: {request_key_per_ip: {max: -1}}', /^limits\.request_key_per_ip\.max/],
    ['limits: {new_requests_window: 1h}', /^limits/],
    [
      'limits: {failed_sign_ins_per_ip: {window: soon}}',
      /^limits\.failed_sign_ins_per_ip\.window: must be a duration/,
    ],
    [
      'limits: {headers_timeout: 20s, request_timeout: 10s}',
      /^limits\.headers_timeout: must not be longer than/,
    ],
    ['limits: {max_connections: 0}', /^limits\.max_connections/],
    ['trust_proxy: sometimes', /^trust_proxy: must be true\/false/],
  ])('stop start-up naming the key: %s', (yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
  });
});
