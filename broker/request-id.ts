/**
 * Every request gets an id: a sane incoming `X-Request-Id` (see REQUEST_ID_PATTERN) is kept, anything
 * else is replaced by a fresh UUID. The id is echoed in the response header, kept on `ctx.state.requestId`,
 * and the rest of the request runs inside it, so every log line written meanwhile carries `reqId`.
 * Each request ends with one access line (method, path without the query, status, milliseconds);
 * the operator's probes (`/healthz`, `/readyz`, `/metrics`) are not logged. A request handed on inside
 * the broker (`continueRequest`: oidc-provider resuming the authorization on the request that finished
 * the interaction) keeps its id and is logged once, by the first handler.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from '../core/log.ts';
import { requestIdFrom, runWithRequest } from '../core/request-context.ts';

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** Requests handed on to another handler, with their id. */
const continued = new WeakMap<IncomingMessage, string>();

/** Marks a request that one handler hands on to another: the next keeps its id and writes no second access line. */
export function continueRequest(req: IncomingMessage, requestId: string): void {
  continued.set(req, requestId);
}

export function requestIdMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    const handedOn = continued.get(ctx.req);
    if (handedOn !== undefined) {
      ctx.state.requestId = handedOn;
      return runWithRequest(ctx, next);
    }
    const id = requestIdFrom(ctx.get('x-request-id') || undefined);
    ctx.state.requestId = id;
    ctx.res.setHeader('X-Request-Id', id);
    // The method and path as they came: a request handed on inside the broker changes them.
    await runWithRequest(ctx, serveAndLog, log, ctx, next, ctx.method, ctx.path);
  };
}

/** Runs the rest of the chain, then writes the access line (a module-level function: see core/deadline.ts). */
async function serveAndLog(log: Logger, ctx: Context, next: Next, method: string, path: string): Promise<void> {
  const started = performance.now();
  try {
    await next();
  } finally {
    if (!QUIET.has(path)) {
      // With `ctx.respond = false` (oidc-provider answers) the status is on the raw response.
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      log.info({ method, path, status, ms: Math.round(performance.now() - started) }, 'request');
    }
  }
}
