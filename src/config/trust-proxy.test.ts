import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { trustProxy } from './trust-proxy.js';

describe('trustProxy', () => {
  it('reads booleans, hop counts and proxy addresses', () => {
    expect(trustProxy(false, 'TRUST_PROXY')).toBe(false);
    expect(trustProxy('true', 'TRUST_PROXY')).toBe(true);
    expect(trustProxy('no', 'TRUST_PROXY')).toBe(false);
    expect(trustProxy('1', 'TRUST_PROXY')).toBe(1);
    expect(trustProxy(2, 'trust_proxy')).toBe(2);
    expect(trustProxy('0', 'TRUST_PROXY')).toBe(false);
    expect(trustProxy('10.0.0.0/8, 127.0.0.1,::1', 'TRUST_PROXY')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('refuses what is none of them, naming the source', () => {
    for (const raw of ['maybe', '10.0.0.0/33', '300.1.1.1', 'fe80::1/129', '10.0.0.1/8/2']) {
      expect(() => trustProxy(raw, 'TRUST_PROXY'), raw).toThrow(ConfigError);
      expect(() => trustProxy(raw, 'TRUST_PROXY'), raw).toThrow(/^TRUST_PROXY: must be true\/false/);
    }
  });
});
