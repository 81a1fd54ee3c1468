/**
 * The request a log line belongs to: the broker runs each request inside `runWithRequestId` (or
 * `runWithRequest`, with its Koa context), and loggers add `reqId` to every line written meanwhile
 * (however deep the call, whichever logger), so nothing has to pass a child logger along.
 *
 * The store is oidc-provider's own AsyncLocalStorage, which holds the Koa context of each of its
 * requests, rather than a second one of ours: every AsyncLocalStorage in a process adds a property to
 * every promise created (Node 20 tracks them with a promise hook), and a second one made each promise
 * outgrow its property slots, about 80 KB more garbage per login. Our requests store their Koa context
 * too, or `{ state: { requestId } }` outside Koa; the id is read from `state.requestId` either way.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import providerStorage from 'oidc-provider/lib/helpers/als.js';
import type { Logger } from './log.ts';

/** What the store holds: a Koa context (ours or oidc-provider's) or a bare request id holder. */
interface RequestScope {
  readonly state?: { readonly requestId?: unknown };
}

const storage = providerStorage as AsyncLocalStorage<RequestScope>;

/** What an incoming `X-Request-Id` may be to be kept: letters, digits, `-`, `_`, `.`; 8 to 64 long. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/** The incoming id when it is sane, else a fresh UUID. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}

export function runWithRequestId<T>(requestId: string, run: () => T): T {
  return storage.run({ state: { requestId } }, run);
}

/**
 * Runs `run(...args)` inside a Koa request whose `ctx.state.requestId` is set. Arguments rather than a
 * closure, so that a caller on every request can pass a module-level function (see core/deadline.ts).
 */
export function runWithRequest<T, A extends unknown[]>(ctx: RequestScope, run: (...args: A) => T, ...args: A): T {
  return storage.run(ctx, run, ...args);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  const id = storage.getStore()?.state?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** Marks a logger that adds `reqId` itself (the pino logger): `withRequestContext` leaves it as it is. */
export const ADDS_REQUEST_ID = Symbol('adds request id');

/** A logger that adds `reqId` of the current request to every line (any Logger underneath). */
export function withRequestContext(log: Logger): Logger {
  if ((log as { [ADDS_REQUEST_ID]?: boolean })[ADDS_REQUEST_ID]) return log;
  const wrap =
    (write: Logger['info']) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      const reqId = currentRequestId();
      write(reqId ? { ...obj, reqId } : obj, msg);
    };
  return { debug: wrap(log.debug.bind(log)), info: wrap(log.info.bind(log)), warn: wrap(log.warn.bind(log)), error: wrap(log.error.bind(log)) };
}
