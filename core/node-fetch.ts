/**
 * A `fetch` over `node:http` / `node:https` with keep-alive agents: what the outbound factory uses by
 * default, and what mutual TLS uses with its own agent (Node 20's global fetch cannot present a client
 * certificate). It does only what the broker's calls need — string bodies, buffered responses of a
 * bounded size, an abort signal, no redirects followed — at about half the CPU of the global fetch
 * (undici's WHATWG streams), which showed as the broker's largest cost per login in `bench/login.ts`.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface NodeFetchOptions {
  /** Agent for http: URLs; default a shared keep-alive agent. */
  readonly httpAgent?: HttpAgent;
  /** Agent for https: URLs; default a shared keep-alive agent. */
  readonly httpsAgent?: HttpsAgent;
  /** Refuse plain http: URLs with this message (mutual TLS). */
  readonly httpsOnly?: string;
  /** Largest response body accepted, bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
}

/**
 * Idle connections are dropped after 2 s, well before servers' usual 5 s keep-alive timeout, so that
 * a busy event loop does not reuse a connection the server is closing.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 2_000 };
let sharedHttp: HttpAgent | undefined;
let sharedHttps: HttpsAgent | undefined;

export function createNodeFetch(options: NodeFetchOptions = {}): typeof fetch {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const https = url.protocol === 'https:';
      if (!https && url.protocol !== 'http:') return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      if (!https && options.httpsOnly) return reject(new TypeError(options.httpsOnly));
      if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
        return reject(new TypeError('only string bodies are supported'));
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => {
        headers[name] = value;
      });
      if (typeof init.body === 'string') headers['content-length'] = String(Buffer.byteLength(init.body));

      const requestOptions: RequestOptions = { method: init.method ?? 'GET', headers };
      const onAbort = () => {
        req.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      let req: ClientRequest;
      const send = (retries: number) => {
        if (https) req = httpsRequest(url, { ...requestOptions, agent: options.httpsAgent ?? (sharedHttps ??= new HttpsAgent(KEEP_ALIVE)) });
        else req = httpRequest(url, { ...requestOptions, agent: options.httpAgent ?? (sharedHttp ??= new HttpAgent(KEEP_ALIVE)) });
        const sent = req;
        sent.on('error', (err: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed just as we reused it: the request never reached
          // it, so it goes again (as Node's documentation advises), at most twice more.
          if (retries > 0 && sent.reusedSocket && err.code === 'ECONNRESET' && !signal?.aborted) return send(retries - 1);
          done();
          reject(new TypeError('fetch failed', { cause: err }));
        });
        sent.on('response', (res: IncomingMessage) => receive(res));
        sent.end(typeof init.body === 'string' ? init.body : undefined);
      };
      const receive = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            res.destroy(new Error('response body too large'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => {
          done();
          reject(new TypeError('fetch failed', { cause: err }));
        });
        res.on('end', () => {
          done();
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          const noBody = status === 204 || status === 205 || status === 304;
          try {
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
          } catch (err) {
            reject(new TypeError('fetch failed', { cause: err }));
          }
        });
      };
      send(2);
    });
  return nodeFetch as typeof fetch;
}
