/** Test helpers: a private redis-server on a spare port (to kill it, or to run it as a cluster). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Starts redis-server on `port` (no persistence) and waits until it answers PING. `configFile` goes
 * first, as redis-server wants (a sentinel needs a writable one).
 */
export async function startRedisServer(port: number, options: { args?: readonly string[]; configFile?: string } = {}): Promise<ChildProcess> {
  const args = [...(options.configFile ? [options.configFile] : []), '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...(options.args ?? [])];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server is up: expected
  try {
    await waitFor(async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    });
  } finally {
    probe.disconnect();
  }
  return child;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
