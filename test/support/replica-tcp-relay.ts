import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  /** http://127.0.0.1:<port>, stable across cut() and restore(). */
  url: string;
  port: number;
  /** Stops listening and drops every connection: clients get ECONNREFUSED, like an API
   * server that went away. */
  cut(): Promise<void>;
  /** Listens on the same port again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP forwarder on 127.0.0.1 in front of a test server, so a test can make that server
 * unreachable (connection refused) and reachable again without restarting it. */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Resets are expected when a side goes away; unheard they would crash the test process.
    socket.on('error', () => socket.destroy());
  }

  async function listen(): Promise<void> {
    const next = createServer((client) => {
      const upstream = connect(Number(targetPort), hostname);
      track(client);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        resolve();
      });
    });
    const address = next.address();
    port = typeof address === 'object' && address !== null ? address.port : port;
    server = next;
  }

  async function cut(): Promise<void> {
    const current = server;
    server = null;
    if (current === null) {
      return;
    }
    const closed = new Promise<void>((resolve) => current.close(() => resolve()));
    for (const socket of sockets) {
      socket.destroy();
    }
    await closed;
  }

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut,
    restore: listen,
    close: cut,
  };
}
