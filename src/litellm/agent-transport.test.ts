import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawHttpServer, startRawHttpServer } from '../../test/support/raw-http-server.js';
import { createAgentTransport } from './agent-transport.js';

let server: RawHttpServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

const call = (url: string, method: 'GET' | 'POST' = 'GET') => ({
  url: new URL('/x', url),
  method,
  headers: { accept: 'application/json' },
  timeoutMs: 2_000,
  maxBytes: 1_000,
});

describe('createAgentTransport', () => {
  it('sends the calls of one client over one kept-alive connection', async () => {
    const ports = new Set<number>();
    server = await startRawHttpServer((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    const transport = createAgentTransport('http:');

    for (let i = 0; i < 3; i++) {
      expect(await transport.send(call(server.url))).toEqual({
        ok: true,
        value: { status: 200, text: '{"ok":true}' },
      });
    }

    expect(ports.size).toBe(1);
  });

  it('sends a GET again on a fresh connection when the reused one breaks, and a POST not', async () => {
    const seen: Socket[] = [];
    let handled = 0;
    server = await startRawHttpServer((req, res) => {
      handled++;
      // The second call on a connection finds it closing, as when the server's idle timeout hits.
      if (seen.includes(req.socket)) {
        req.socket.destroy();
        return;
      }
      seen.push(req.socket);
      res.end(`answer ${handled}`);
    });
    const transport = createAgentTransport('http:');
    expect(await transport.send(call(server.url))).toMatchObject({ ok: true, value: { text: 'answer 1' } });

    expect(await transport.send(call(server.url))).toMatchObject({ ok: true, value: { text: 'answer 3' } });
    expect(await transport.send(call(server.url, 'POST'))).toMatchObject({
      ok: false,
      error: { code: 'unreachable', message: 'connection reset (ECONNRESET)' },
    });
    expect(handled).toBe(4);
  });

  it('cuts an error body at 16 KiB and refuses a 2xx body over its bound', async () => {
    server = await startRawHttpServer((req, res) => {
      res.statusCode = req.method === 'POST' ? 500 : 200;
      res.end('e'.repeat(40_000));
    });
    const transport = createAgentTransport('http:');

    const failed = await transport.send(call(server.url, 'POST'));
    expect(failed.ok && failed.value.status === 500 && failed.value.text.length).toBe(16 * 1024);
    expect(await transport.send(call(server.url))).toMatchObject({
      ok: false,
      error: { code: 'bad-response', message: 'answer larger than 1000 bytes' },
    });
  });
});
