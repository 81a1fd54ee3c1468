/** Starting and stopping HTTP listeners, the same way for the broker, the mocks and the tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  readonly server: Server;
  /** `http://host:port` with the real port (port 0 picks a free one). */
  readonly url: string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Listens first and attaches the request handler later (`server.on('request', …)`), so an app can be
 * built knowing its own URL even when the port was 0.
 */
export async function listen(port: number, host = '127.0.0.1'): Promise<Listener> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago (for stacks whose URLs must be known before they listen). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = await listen(0, host);
  const port = Number(new URL(probe.url).port);
  await probe.close();
  return port;
}
