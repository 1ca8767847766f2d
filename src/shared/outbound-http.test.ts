import { afterEach, describe, expect, it } from 'vitest';
import { startRawHttpServer } from '../../test/support/raw-http-server.js';
import { AppError } from './errors.js';
import {
  type OutboundAnswer,
  type OutboundRequest,
  readBounded,
  sendBounded,
  statusError,
  untilAborted,
} from './outbound-http.js';
import type { Result } from './result.js';

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) {
    await close();
  }
});

/** A real server on 127.0.0.1:0 answering with `handler`; closed after each test. The URL's
 * query carries a key, which no error message may repeat. */
async function serve(handler: Parameters<typeof startRawHttpServer>[0]): Promise<URL> {
  const server = await startRawHttpServer(handler);
  closers.push(server.close);
  return new URL(`${server.url}/x?key=sk-in-the-query`);
}

function request(url: URL, overrides: Partial<OutboundRequest> = {}): OutboundRequest {
  return { url, method: 'GET', headers: {}, timeoutMs: 2_000, maxBytes: 1024, ...overrides };
}

function errorOf(result: Result<OutboundAnswer>): AppError {
  if (result.ok) {
    throw new Error(`expected a failure, got status ${result.value.status}`);
  }
  expect(result.error).toBeInstanceOf(AppError);
  expect(result.error.message).not.toContain('sk-in-the-query');
  return result.error;
}

describe('sendBounded: answers', () => {
  it('returns status and body of a 2xx answer within the bound', async () => {
    const url = await serve((_req, res) => res.end('{"ok":true}'));

    expect(await sendBounded(request(url))).toEqual({
      ok: true,
      value: { status: 200, text: '{"ok":true}' },
    });
  });

  it('sends method, headers and body as given', async () => {
    let seen: { method?: string; auth?: string; body: string } = { body: '' };
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        seen = { method: req.method, auth: req.headers.authorization, body };
        res.end();
      });
    });

    const result = await sendBounded(
      request(url, { method: 'POST', headers: { authorization: 'Bearer t0ken' }, body: '{"a":1}' }),
    );

    expect(result).toEqual({ ok: true, value: { status: 200, text: '' } });
    expect(seen).toEqual({ method: 'POST', auth: 'Bearer t0ken', body: '{"a":1}' });
  });

  it('returns a non-2xx answer with its body cut to the error bound', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503);
      res.end('y'.repeat(100));
    });

    expect(await sendBounded(request(url, { errorBodyBytes: 10 }))).toEqual({
      ok: true,
      value: { status: 503, text: 'y'.repeat(10) },
    });
  });

  it('releases a non-2xx body unread when asked to, even if it stalls', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500);
      res.write('partial');
    });

    expect(await sendBounded(request(url, { errorBodyBytes: 0, timeoutMs: 5_000 }))).toEqual({
      ok: true,
      value: { status: 500, text: '' },
    });
  });

  it('does not follow a redirect', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls += 1;
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });

    const result = await sendBounded(request(url));

    expect(result).toMatchObject({ ok: true, value: { status: 302 } });
    expect(calls).toBe(1);
  });
});

describe('sendBounded: failures', () => {
  it('refuses a 2xx body over the bound that declares its length', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(5_000)));

    const error = errorOf(await sendBounded(request(url)));

    expect(error).toMatchObject({ code: 'bad-response', status: 200, retry: false });
    expect(error.message).toBe('answer larger than 1024 bytes');
  });

  it('refuses a chunked 2xx body over the bound', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 10; i++) {
        res.write('x'.repeat(500));
      }
      res.end();
    });

    const error = errorOf(await sendBounded(request(url)));

    expect(error).toMatchObject({ code: 'bad-response', message: 'answer larger than 1024 bytes' });
  });

  it('times out a server that never answers', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();

    const error = errorOf(await sendBounded(request(url, { timeoutMs: 200 })));

    expect(error).toMatchObject({ code: 'timeout', retry: true, message: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out an answer whose body stalls', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
    });
    const started = Date.now();

    const error = errorOf(await sendBounded(request(url, { timeoutMs: 200 })));

    expect(error).toMatchObject({ code: 'timeout', message: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a refused connection as unreachable', async () => {
    const url = await serve(() => undefined);
    await closers.pop()?.();

    const error = errorOf(await sendBounded(request(url)));

    expect(error).toMatchObject({ code: 'unreachable', retry: true });
    expect(error.message).toBe('connection refused (ECONNREFUSED)');
  });

  it('reports a connection reset as unreachable', async () => {
    const url = await serve((req) => req.socket.destroy());

    const error = errorOf(await sendBounded(request(url)));

    expect(error.code).toBe('unreachable');
    expect(error.message).toMatch(/^(connection reset|connection closed by the server) \([A-Z_]+\)$/);
  });
});

describe('statusError', () => {
  it.each([500, 502, 503, 504, 408, 429])('treats %i as worth retrying', (status) => {
    expect(statusError(status, 'm')).toMatchObject({ code: 'bad-response', status, retry: true });
  });

  it.each([301, 400, 401, 403, 404, 422])('treats %i as a definite no', (status) => {
    expect(statusError(status, 'm')).toMatchObject({ code: 'rejected', status, retry: false });
  });
});

/** A body that never ends and knows nothing of any signal: what fetch hands back when
 * undici has lost its link to the timeout signal (nodejs/undici#4627). */
function endlessBody(onCancel: () => void): Response {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"data":['));
    },
    cancel() {
      onCancel();
    },
  });
  return new Response(stream);
}

describe('readBounded', () => {
  it('gives up and cancels the body when the signal aborts, even if the stream ignores it', async () => {
    let cancelled = false;
    const body = endlessBody(() => {
      cancelled = true;
    });

    await expect(readBounded(body, 1024, AbortSignal.timeout(50))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(cancelled).toBe(true);
  });

  it('stops at the limit and says the body was cut', async () => {
    const result = await readBounded(new Response('x'.repeat(100)), 10, AbortSignal.timeout(5_000));

    expect(result).toEqual({ text: 'x'.repeat(10), truncated: true });
  });

  it('reads a body within the limit completely', async () => {
    const result = await readBounded(new Response('{"ok":true}'), 1024, AbortSignal.timeout(5_000));

    expect(result).toEqual({ text: '{"ok":true}', truncated: false });
  });
});

describe('untilAborted', () => {
  it('rejects when the signal aborts although the work never settles', async () => {
    const never = new Promise<never>(() => undefined);

    await expect(untilAborted(AbortSignal.timeout(50), never)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('passes the result of work that finishes first', async () => {
    await expect(untilAborted(AbortSignal.timeout(5_000), Promise.resolve(42))).resolves.toBe(42);
  });
});
