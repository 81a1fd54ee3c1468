/**
 * The one outbound HTTP factory: every call has a timeout, a user agent, and (for idempotent GETs
 * only) retries with exponential backoff and jitter. Network failures and timeouts become typed
 * errors. Injected into the ESIA client and the adapters; tests pass the real thing.
 */
import { createNodeFetch } from './node-fetch.ts';
import { BaseError } from './errors.ts';

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
  /** The fetch implementation; default `createNodeFetch()` (node:http/https, keep-alive). */
  fetch?: typeof fetch;
}

export interface OutboundRequest extends Omit<RequestInit, 'signal'> {
  /** Overrides the factory's timeout for this call. */
  timeoutMs?: number;
}

export type Outbound = (url: string, init?: OutboundRequest) => Promise<Response>;

/** The default transport: node:http(s) with keep-alive (see node-fetch.ts for why not the global fetch). */
const defaultFetch = createNodeFetch();

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function createOutbound(options: OutboundOptions): Outbound {
  const doFetch = options.fetch ?? defaultFetch;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 100;
  const userAgent = options.userAgent ?? 'esia-school-broker';
  return async (url, init = {}) => {
    const method = (init.method ?? 'GET').toUpperCase();
    const attempts = method === 'GET' || method === 'HEAD' ? retries + 1 : 1;
    const headers = new Headers(init.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    const timeoutMs = init.timeoutMs ?? options.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      let failure: OutboundError | undefined;
      try {
        response = await doFetch(url, { ...init, method, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
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
