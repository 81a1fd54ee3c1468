/**
 * A switchable reverse proxy for tests: one public address in front of several upstreams, forwarding
 * each request to the one currently chosen and recording which upstream served which request. The
 * Host header passes through unchanged, so the upstreams see the public address.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../core/listen.ts';

export interface SwitchProxy {
  readonly url: string;
  /** Sends the following requests to `name`. */
  use(name: string): void;
  /** Every request so far: upstream, method and path. */
  readonly served: ReadonlyArray<{ upstream: string; method: string; path: string }>;
  close(): Promise<void>;
}

export async function startSwitchProxy(upstreams: Readonly<Record<string, string>>, first: string): Promise<SwitchProxy> {
  const listener = await listen(0);
  let current = first;
  const served: Array<{ upstream: string; method: string; path: string }> = [];
  listener.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const upstream = current;
    const target = new URL(req.url ?? '/', upstreams[upstream]);
    served.push({ upstream, method: req.method ?? 'GET', path: target.pathname });
    const out = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    });
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  return {
    url: listener.url,
    use: (name) => {
      if (!(name in upstreams)) throw new Error(`no upstream ${name}`);
      current = name;
    },
    served,
    close: listener.close,
  };
}
