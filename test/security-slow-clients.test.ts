import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './support/service-harness.js';
import { waitUntil } from './support/wait.js';

let h: Harness | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    socket.destroy();
  }
  await h?.close();
  h = undefined;
});

const CONFIG = `
models: [{id: gpt-4, title: GPT-4}]
litellm: {enable_litellm_models: false}
limits:
  headers_timeout: 1s
  request_timeout: 2s
  max_connections: 4
`;

/** Node checks the header and request timeouts once a second (app.ts), so a connection is
 * closed at most about a second after its timeout; the rest is slack for a loaded machine. */
const CHECK_INTERVAL_MS = 1000;
const SLACK_MS = 3000;

interface RawClient {
  socket: Socket;
  received: () => string;
  /** Milliseconds from connecting until the server closed the connection; null while open. */
  closedAfter: () => number | null;
}

async function rawClient(): Promise<RawClient> {
  if (!h) {
    throw new Error('no service');
  }
  const { port } = new URL(h.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port) });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const opened = Date.now();
  let closedAt: number | null = null;
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closedAt = Date.now();
  });
  return {
    socket,
    received: () => received,
    closedAfter: () => (closedAt === null ? null : closedAt - opened),
  };
}

const HEADERS_OF_A_BODY =
  'POST /api/request-key HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n';

async function closedWithin(client: RawClient, ms: number): Promise<number> {
  // Wrapped: a connection closed within the millisecond it opened is closed after 0 ms, which
  // waitUntil would take for "not yet".
  const closed = await waitUntil(
    () => {
      const after = client.closedAfter();
      return after === null ? null : { after };
    },
    { timeoutMs: ms, intervalMs: 25, what: 'the server to close the connection' },
  );
  return closed.after;
}

describe('slow and greedy clients', () => {
  it('closes a connection whose body never comes within the request timeout, with a 408', async () => {
    h = await startHarness({ configYaml: CONFIG, startWorker: false });
    const client = await rawClient();
    client.socket.write(HEADERS_OF_A_BODY);
    const after = await closedWithin(client, 2000 + CHECK_INTERVAL_MS + SLACK_MS);
    expect(after).toBeGreaterThanOrEqual(1900);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose body trickles in, whatever it keeps sending', async () => {
    h = await startHarness({ configYaml: CONFIG, startWorker: false });
    const client = await rawClient();
    client.socket.write(HEADERS_OF_A_BODY);
    const trickle = setInterval(() => client.socket.write(' '), 200);
    try {
      await closedWithin(client, 2000 + CHECK_INTERVAL_MS + SLACK_MS);
    } finally {
      clearInterval(trickle);
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers never end within the headers timeout', async () => {
    h = await startHarness({ configYaml: CONFIG, startWorker: false });
    const client = await rawClient();
    client.socket.write('GET /api/models HTTP/1.1\r\nHost: localhost\r\n');
    await closedWithin(client, 1000 + CHECK_INTERVAL_MS + SLACK_MS);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers a client that sends its body in time', async () => {
    h = await startHarness({ configYaml: CONFIG, startWorker: false });
    const client = await rawClient();
    const body = JSON.stringify({ email: 'me@example.com', llm: 'gpt-4' });
    client.socket.write(
      `POST /api/request-key HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    await closedWithin(client, 10_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('closes connections beyond max_connections at once', async () => {
    // Long timeouts here: the four held connections must outlive the test.
    h = await startHarness({
      configYaml: CONFIG.replace('headers_timeout: 1s', 'headers_timeout: 30s').replace(
        'request_timeout: 2s',
        'request_timeout: 30s',
      ),
      startWorker: false,
    });
    const held = await Promise.all([rawClient(), rawClient(), rawClient(), rawClient()]);
    // The server has accepted all four before the fifth arrives.
    await waitUntil(
      () =>
        new Promise<boolean>((resolve) =>
          h?.service.app.server.getConnections((_error, count) => resolve(count === 4)),
        ),
      { what: 'four open connections' },
    );
    const fifth = await rawClient();
    await closedWithin(fifth, 2000);
    expect(held.map((client) => client.closedAfter())).toEqual([null, null, null, null]);
  });
});
