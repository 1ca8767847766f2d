import { isIP } from 'node:net';
import { ConfigError } from './config-error.js';
import { bool, type Parser } from './setting-parsers.js';

/** Fastify's `trustProxy`: false (the peer's address is the client's), true (every hop is
 * trusted: the left-most X-Forwarded-For entry wins), a number of trusted hops, or the
 * addresses/CIDRs of the trusted proxies. */
export type TrustProxy = boolean | number | string[];

const RULE =
  'must be true/false, a number of proxy hops, or comma-separated proxy addresses or CIDRs (10.0.0.0/8)';

/** A hop count is written as digits (`1` is one hop, not "true"); anything with a dot, colon or
 * slash is a list of addresses; everything else must be a boolean. */
export const trustProxy: Parser<TrustProxy> = (raw, source) => {
  if (typeof raw === 'boolean') {
    return raw;
  }
  const value = String(raw).trim();
  if (value === '') {
    return undefined;
  }
  if (/^\d{1,3}$/.test(value)) {
    const hops = Number(value);
    return hops === 0 ? false : hops;
  }
  if (/[.:/]/.test(value)) {
    const proxies = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    for (const entry of proxies) {
      if (!isAddressOrCidr(entry)) {
        throw new ConfigError(source, `${RULE}; ${JSON.stringify(entry)} is not an address or CIDR`);
      }
    }
    return proxies;
  }
  try {
    return bool(value, source);
  } catch {
    throw new ConfigError(source, `${RULE}, got ${JSON.stringify(value)}`);
  }
};

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return false;
  }
  if (prefix === undefined) {
    return true;
  }
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}
