/**
 * A `fetch` over `node:https` that presents a TLS client certificate (Node 20's global fetch cannot),
 * for journals that authenticate the broker by mutual TLS. It is given to the outbound factory, so
 * timeouts, the user agent and error typing stay the same as for every other call. Only what the
 * adapter needs: string bodies, buffered responses.
 */
import { Agent, request } from 'node:https';

export interface ClientTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem?: string;
}

/** Largest response body accepted, bytes. */
const MAX_BODY = 1024 * 1024;

export function createMutualTlsFetch(tls: ClientTls): { fetch: typeof fetch; close(): void } {
  const agent = new Agent({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, keepAlive: true, maxSockets: 32 });
  const mtlsFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.protocol !== 'https:') return reject(new TypeError('mutual TLS needs an https URL'));
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

      const req = request(url, { method: init.method ?? 'GET', headers, agent });
      const onAbort = () => {
        req.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);

      req.on('error', (err) => {
        done();
        reject(new TypeError('fetch failed', { cause: err }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY) {
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
      });
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
  return { fetch: mtlsFetch as typeof fetch, close: () => agent.destroy() };
}
