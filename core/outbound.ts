/**
 * The one outbound HTTP factory: every call has a timeout, a user agent, and (for idempotent GETs
 * only) retries with exponential backoff and jitter. Network failures and timeouts become typed
 * errors. Injected into the ESIA client and the adapters; tests pass the real thing.
 */
import { createNodeTransport, timeoutError, type OutboundResponse, type Transport } from './node-transport.ts';
import { BaseError } from './errors.ts';

export type { OutboundResponse, Transport } from './node-transport.ts';

export type OutboundErrorCode = 'ERR_OUTBOUND_TIMEOUT' | 'ERR_OUTBOUND_NETWORK';

export class OutboundError extends BaseError<OutboundErrorCode> {}

export interface OutboundOptions {
  /** Per-attempt timeout, milliseconds. */
  timeoutMs: number;
  /** Extra attempts for GET requests after a network error, timeout or 5xx / 429 (default 2). */
  retries?: number;
  /** First backoff delay, milliseconds (doubles each attempt, with jitter; default 100). */
  backoffMs?: number;
  userAgent?: string;
  /** The transport; default `createNodeTransport()` (node:http/https, keep-alive). */
  transport?: Transport;
  /** A WHATWG fetch to use instead of a transport (tests that watch the exchanges). */
  fetch?: typeof fetch;
}

export interface OutboundRequest {
  /** Default GET. */
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string;
  /** Overrides the factory's timeout for this call. */
  timeoutMs?: number;
}

export type Outbound = (url: string, init?: OutboundRequest) => Promise<OutboundResponse>;

/** The default transport: node:http(s) with keep-alive (see node-transport.ts for why not the global fetch). */
const defaultTransport = createNodeTransport();

/** A WHATWG fetch as a transport: the timeout becomes an abort signal. */
export function fetchTransport(doFetch: typeof fetch): Transport {
  return async (url, init) => {
    try {
      return await doFetch(url, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs), redirect: 'manual' });
    } catch (err) {
      if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) throw timeoutError(init.timeoutMs);
      throw err;
    }
  };
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function createOutbound(options: OutboundOptions): Outbound {
  const transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : defaultTransport);
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 100;
  const userAgent = options.userAgent ?? 'esia-school-broker';
  return async (url, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const attempts = method === 'GET' || method === 'HEAD' ? retries + 1 : 1;
    const headers: Record<string, string> = { 'user-agent': userAgent };
    for (const name in init.headers) headers[name.toLowerCase()] = init.headers[name]!;
    const timeoutMs = init.timeoutMs ?? options.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      let response: OutboundResponse | undefined;
      let failure: OutboundError | undefined;
      try {
        response = await transport(url, { method, headers, body: init.body, timeoutMs });
        if (!RETRYABLE_STATUS.has(response.status) || attempt >= attempts) return response;
        await response.body?.cancel();
      } catch (err) {
        const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
        failure = timedOut
          ? new OutboundError('ERR_OUTBOUND_TIMEOUT', `${method} ${origin(url)} timed out after ${timeoutMs} ms`, { cause: err })
          : new OutboundError('ERR_OUTBOUND_NETWORK', `${method} ${origin(url)} failed: ${(err as Error).message}`, { cause: err });
        if (attempt >= attempts) throw failure;
      }
      const delay = backoffMs * 2 ** (attempt - 1);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  };
}

/** The origin and path of a URL, never its query (which may carry codes or tokens). */
export function origin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
