/**
 * The admin API's HTTP helpers: JSON errors with fixed text, zod validation of query strings and
 * bodies (400), the scope check (403, audited) and the audit entry each admin action leaves.
 */
import type { Context, Next } from 'koa';
import type { z } from 'zod';
import type { AuditAction, AuditEntry, AuditLog } from '../audit/log.ts';
import type { AdminPrincipal, AdminScope } from './auth.ts';

/** What the authentication middleware leaves on `ctx.state`. */
export interface AdminState {
  admin: AdminPrincipal;
}

export const ERRORS = {
  unauthorized: [401, 'invalid_token', 'a valid admin token is required (Authorization: Bearer)'],
  forbidden: [403, 'insufficient_scope', 'the token lacks the scope this action needs'],
  invalid: [400, 'invalid_request', 'the request parameters are not valid'],
  notFound: [404, 'not_found', 'no such resource'],
  notLinked: [404, 'not_linked', 'the journal account is not linked'],
  server: [500, 'server_error', 'internal error; details are in the broker log'],
} as const satisfies Record<string, readonly [number, string, string]>;

export function refuse(ctx: Context, which: keyof typeof ERRORS): void {
  const [status, error, description] = ERRORS[which];
  ctx.status = status;
  ctx.body = { error, error_description: description };
  if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="broker-admin"');
  if (status === 403) ctx.set('WWW-Authenticate', 'Bearer realm="broker-admin", error="insufficient_scope"');
}

/** The parsed input, or `undefined` after answering 400 (the issues' paths and codes, never values). */
export function parseInput<S extends z.ZodType>(ctx: Context, schema: S, input: unknown): z.infer<S> | undefined {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  refuse(ctx, 'invalid');
  (ctx.body as Record<string, unknown>).issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
  return undefined;
}

/** The query string with single values only (a repeated parameter is an error, as a non-string). */
export const queryOf = (ctx: Context): Record<string, unknown> => ({ ...ctx.query });

export const principalOf = (ctx: Context) => (ctx.state as AdminState).admin;

/** Records an admin action in the audit log, the token's name as the actor. */
export type RecordAdminAction = (ctx: Context, entry: Omit<AuditEntry, 'at' | 'actor'>) => Promise<void>;

export function createRecorder(audit: AuditLog, clock: () => Date): RecordAdminAction {
  return async (ctx, entry) => {
    await audit.append({ ...entry, at: clock().toISOString(), actor: { kind: 'admin', id: principalOf(ctx).name } });
  };
}

/**
 * Refuses (403) a token without `scope`; the refusal is audited as the action it would have been
 * (`outcome: refused`, reason `missing_scope`), so regional IT sees who tried.
 */
export function requireScope(scope: AdminScope, action: AuditAction, method: string, record: RecordAdminAction) {
  return async (ctx: Context, next: Next) => {
    if (principalOf(ctx).scopes.includes(scope)) return next();
    await record(ctx, { action, outcome: 'refused', method, reason: 'missing_scope' });
    refuse(ctx, 'forbidden');
  };
}
