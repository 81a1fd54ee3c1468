/**
 * The admin API for regional IT, under `/api/admin/` (described by `openapi.json`, served at
 * `/api/admin/openapi.json` without authentication). Every other route needs a configured bearer token
 * (`broker.admin.tokens`); `read` lists and queries, `write` changes. With no tokens configured the
 * API is off: 404 for every path, the document included. Errors are JSON `{error, error_description}`
 * with fixed text; details go to the log. Every admin action leaves an audit entry (see README).
 */
import type { Context, Middleware } from 'koa';
import { Router } from '@koa/router';
import { AuditError } from '../audit/log.ts';
import { createTokenVerifier } from './auth.ts';
import type { AdminDeps } from './deps.ts';
import { createRecorder, refuse, type AdminState } from './http.ts';
import openapi from './openapi.json' with { type: 'json' };
import { registerAuditRoutes } from './routes-audit.ts';
import { registerConsentRoutes } from './routes-consents.ts';
import { registerLinkRoutes } from './routes-links.ts';
import { registerLockoutRoutes } from './routes-lockouts.ts';
import { registerRegistryRoutes } from './routes-registry.ts';

export const ADMIN_PREFIX = '/api/admin/';
const OPENAPI_PATH = '/api/admin/openapi.json';

/** The admin routes (authentication and error handling are `createAdminApi`'s). */
export function createAdminRouter(deps: AdminDeps): Router {
  const router = new Router();
  const record = createRecorder(deps.audit, deps.clock);
  router.get(OPENAPI_PATH, (ctx) => {
    ctx.body = openapi;
  });
  registerRegistryRoutes(router, deps, record);
  registerLinkRoutes(router, deps, record);
  registerAuditRoutes(router, deps, record);
  registerLockoutRoutes(router, deps, record);
  registerConsentRoutes(router, deps, record);
  return router;
}

/** The admin API as one middleware for paths under `ADMIN_PREFIX`. */
export function createAdminApi(deps: AdminDeps): Middleware {
  const tokens = deps.config.admin.tokens;
  const verify = createTokenVerifier(tokens);
  const routes = createAdminRouter(deps).routes();
  return async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    if (!tokens.length) return refuse(ctx, 'notFound');
    try {
      if (ctx.path !== OPENAPI_PATH) {
        const admin = verify(ctx.get('authorization') || undefined);
        if (!admin) {
          // No actor to audit; the log keeps the attempt (never the presented token).
          deps.log.warn({ path: ctx.path, method: ctx.method, hasAuthorization: Boolean(ctx.get('authorization')) }, 'admin API: no valid token');
          return refuse(ctx, 'unauthorized');
        }
        (ctx.state as AdminState).admin = admin;
      }
      // Nothing after: a path no route matches ends here as 404, not at oidc-provider.
      await routes(ctx as never, async () => {});
      if (ctx.status === 404 && ctx.body === undefined) refuse(ctx, 'notFound');
    } catch (err) {
      if (err instanceof AuditError && err.code === 'ERR_AUDIT_INVALID_QUERY') return refuse(ctx, 'invalid');
      deps.log.error({ err: { name: (err as Error)?.name, code: (err as { code?: unknown })?.code, message: (err as Error)?.message }, path: ctx.path }, 'admin request failed');
      refuse(ctx, 'server');
    }
  };
}
