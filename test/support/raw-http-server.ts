import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A bare HTTP server on 127.0.0.1 with a free port, for answers the fakes do not give
 * (huge, stalled or cut bodies, refused connections). */
export interface RawHttpServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Also cuts open connections, so a stalled answer cannot hold the test up. */
  close(): Promise<void>;
}

export async function startRawHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RawHttpServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
