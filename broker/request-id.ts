/**
 * Every request gets an id: a sane incoming `X-Request-Id` (see REQUEST_ID_PATTERN) is kept, anything
 * else is replaced by a fresh UUID. The id is echoed in the response header, kept on `ctx.state.requestId`,
 * and the rest of the request runs inside it, so every log line written meanwhile carries `reqId`.
 * Each request ends with one access line (method, path without the query, status, milliseconds);
 * the operator's probes (`/healthz`, `/readyz`, `/metrics`) are not logged.
 */
import type { Middleware } from 'koa';
import type { Logger } from '../core/log.ts';
import { requestIdFrom, runWithRequestId } from '../core/request-context.ts';

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export function requestIdMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    const id = requestIdFrom(ctx.get('x-request-id') || undefined);
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    await runWithRequestId(id, async () => {
      const started = performance.now();
      try {
        await next();
      } finally {
        if (!QUIET.has(ctx.path)) {
          // With `ctx.respond = false` (oidc-provider answers) the status is on the raw response.
          const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
          log.info({ method: ctx.method, path: ctx.path, status, ms: Math.round(performance.now() - started) }, 'request');
        }
      }
    });
  };
}
