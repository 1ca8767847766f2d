import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS, requestFields } from './logger.js';
import { REDACTED } from './redact.js';

/** A logger writing into an array, at `level`. */
function capture(level = 'debug') {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

/** `{a: {b: value}}` for the path `a.b`. */
function objectAt(path: string, value: string): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

const SECRET = 'sk-live-0123456789abcdefXYZ';

describe('the logger', () => {
  it('redacts every path of REDACTED_PATHS, each with a real secret in it', () => {
    for (const path of REDACTED_PATHS) {
      const { logger, lines } = capture();
      logger.info({ ...objectAt(path, SECRET), kept: 'visible' }, 'line');
      expect(lines, path).toHaveLength(1);
      expect(lines[0], path).not.toContain(SECRET);
      expect(lines[0], path).toContain('visible');
      expect(JSON.parse(lines[0] ?? '{}'), path).toMatchObject(objectAt(path, REDACTED));
    }
  });

  it('pins the secret fields and where they are looked for', () => {
    for (const field of ['apiKey', 'api_key', 'pendingKey', 'masterKey', 'master_key', 'password', 'token']) {
      expect(REDACTED_PATHS).toContain(field);
      for (const container of [
        'err',
        'err.cause',
        'error',
        'cause',
        'config',
        'smtp',
        'litellm',
        'options',
        'settings',
      ]) {
        expect(REDACTED_PATHS).toContain(`${container}.${field}`);
      }
    }
    // `req` is the request serializer's: it keeps no header, so no path may make each line copy it.
    expect(REDACTED_PATHS.filter((path) => path.startsWith('req.'))).toEqual([]);
    // No wildcard: it would make every line pay for a copy and a walk of every object.
    expect(REDACTED_PATHS.filter((path) => path.includes('*'))).toEqual([]);
  });

  it("redacts a secret an error carries as a field of its own, and keeps the error's message", () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('login refused'), { password: 'hunter2-secret', apiKey: SECRET });
    logger.error({ err: error }, 'mail not sent');
    expect(lines[0]).not.toContain('hunter2-secret');
    expect(lines[0]).not.toContain(SECRET);
    expect(JSON.parse(lines[0] ?? '{}').err).toMatchObject({
      message: 'login refused',
      password: REDACTED,
      apiKey: REDACTED,
    });
  });

  it('leaves a string field named like a container alone', () => {
    const { logger, lines } = capture();
    logger.warn({ error: 'connection refused', cause: 'timeout' }, 'line');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ error: 'connection refused', cause: 'timeout' });
  });

  it('logs a request as method, URL (credentials in the query redacted) and client, never its headers', () => {
    const { logger, lines } = capture();
    const request = {
      method: 'GET',
      url: '/api/requests/7b1e?token=requester-secret-token',
      ip: '192.0.2.1',
      socket: { remotePort: 40_000 },
      headers: { authorization: `Bearer ${SECRET}`, cookie: 'session=secret-cookie' },
    };
    logger.info({ req: request }, 'request completed');
    expect(lines[0]).not.toContain('requester-secret-token');
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).not.toContain('secret-cookie');
    expect(JSON.parse(lines[0] ?? '{}').req).toEqual({
      method: 'GET',
      url: `/api/requests/7b1e?token=${REDACTED}`,
      remoteAddress: '192.0.2.1',
      remotePort: 40_000,
    });
    expect(requestFields({ method: 'POST', url: '/api/request-key' })).toMatchObject({
      url: '/api/request-key',
    });
    expect(requestFields(null)).toBeNull();
  });
});
