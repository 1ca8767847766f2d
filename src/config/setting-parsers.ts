import { normalizeEmail } from '../requests/email.js';
import { LOG_LEVELS } from '../shared/logger.js';
import { ConfigError } from './config-error.js';
import { parseDuration } from './duration.js';

/** A setting's value as it arrives: from the environment always a non-blank, trimmed string;
 * from the config file whatever type its schema allows (string, number or boolean). */
export type RawValue = string | number | boolean;

/** Turns a raw value into a setting's value, or throws a ConfigError naming `source` (the env
 * var or the config key it came from). `undefined` means "as good as unset" (a blank string in
 * the file), so the default applies. The value itself is echoed only where it cannot be a secret. */
export type Parser<T> = (raw: RawValue, source: string) => T | undefined;

function problem(source: string, rule: string, raw: RawValue): ConfigError {
  return new ConfigError(source, `${rule}, got ${JSON.stringify(raw)}`);
}

/** Trimmed; blank counts as unset. */
export const text: Parser<string> = (raw) => {
  const value = String(raw).trim();
  return value === '' ? undefined : value;
};

/** Exactly as written in the file (a password may begin or end with a blank). */
export const verbatim: Parser<string> = (raw) => String(raw);

/** The words the original service's settings library took for booleans, in any case. */
const TRUE_WORDS = ['true', '1', 'yes', 'on', 't', 'y'];
const FALSE_WORDS = ['false', '0', 'no', 'off', 'f', 'n'];

/** `true/false`, `1/0`, `yes/no`, `on/off`, `t/f`, `y/n`, any case; anything else is an error
 * rather than a guess (docs/design.md, "Configuration"). */
export const bool: Parser<boolean> = (raw, source) => {
  if (typeof raw === 'boolean') {
    return raw;
  }
  const lower = String(raw).trim().toLowerCase();
  if (TRUE_WORDS.includes(lower)) {
    return true;
  }
  if (FALSE_WORDS.includes(lower)) {
    return false;
  }
  throw problem(source, 'must be true/false, 1/0, yes/no, on/off, t/f or y/n', raw);
};

/** 0 lets the system pick a free port (tests use it). */
export const port: Parser<number> = (raw, source) => {
  const value = Number(raw);
  if (!/^\d+$/.test(String(raw)) || value > 65535) {
    throw problem(source, 'must be a port number 0-65535', raw);
  }
  return value;
};

export const wholeNumber: Parser<number> = (raw, source) => {
  if (!/^\d+$/.test(String(raw))) {
    throw problem(source, 'must be a whole number', raw);
  }
  return Number(raw);
};

/** `500ms`, `30s`, `5m`, `1h`, `1d`, in milliseconds. */
export const duration: Parser<number> = (raw, source) => {
  const ms = parseDuration(String(raw));
  if (ms === null) {
    throw problem(source, 'must be a duration like 500ms, 30s, 5m, 1h or 1d', raw);
  }
  return ms;
};

/** A duration, or `0` for settings where 0 means off or at once. */
export const durationOrOff: Parser<number> = (raw, source) => {
  if (String(raw).trim() === '0') {
    return 0;
  }
  const ms = parseDuration(String(raw));
  if (ms === null) {
    throw problem(source, 'must be 0 or a duration like 30s, 5m, 24h or 7d', raw);
  }
  return ms;
};

/** An http(s) URL, without trailing slashes (paths are appended to it). */
export const url: Parser<string> = (raw, source) => {
  const value = text(raw, source);
  if (value === undefined) {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw problem(source, 'must be an http(s) URL', value);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw problem(source, 'must be an http(s) URL', value);
  }
  return value.replace(/\/+$/, '');
};

/** The service's one email rule (requests/email.ts): trimmed, lower-cased, checked. */
export const email: Parser<string> = (raw, source) => {
  const value = text(raw, source);
  if (value === undefined) {
    return undefined;
  }
  const check = normalizeEmail(value);
  if (!check.ok) {
    throw problem(source, check.error.message, value);
  }
  return check.value;
};

export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw, source) => {
    const value = String(raw).trim();
    const choice = choices.find((candidate) => candidate === value);
    if (choice === undefined) {
      throw problem(source, `must be ${choices.map((c) => JSON.stringify(c)).join(' or ')}`, value);
    }
    return choice;
  };
}

/** pino's level names, in any case. */
export const logLevel: Parser<string> = (raw, source) => {
  const value = String(raw).trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw problem(source, `must be one of ${LOG_LEVELS.join(', ')}`, value);
  }
  return value;
};

/** `*`, or origins separated by `;` or `,`; a `*` among them means any origin. */
export const origins: Parser<'*' | string[]> = (raw) => {
  const list = String(raw)
    .split(/[;,]/)
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  return list.length === 0 || list.includes('*') ? '*' : list;
};
