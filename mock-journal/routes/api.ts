/**
 * The adapter HTTP contract (`adapters/http/openapi.json`), served under the API base path. Every
 * operation runs its fault switches, then authenticates the broker (assertion or client certificate),
 * then validates its input with zod and answers JSON or a problem document.
 */
import type { TLSSocket } from 'node:tls';
import type { Context, Middleware, Next } from 'koa';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { z } from 'zod';
import { isIsoDate } from '../../adapters/normalize.ts';
import type { MockJournalDeps } from '../deps.ts';
import { applyFaults, type Operation } from '../faults.ts';
import { problem } from '../problem.ts';

const role = z.enum(['parent', 'pupil', 'staff']);
const name = z.string().min(1).max(200);

const bySnilsSchema = z.object({ snils: z.string().regex(/^\d{11}$/, '11 digits'), role }).strict();
const byNameSchema = z
  .object({
    lastName: name,
    firstName: name,
    middleName: z.string().max(200).optional(),
    birthDate: z.string().refine(isIsoDate, 'a yyyy-MM-dd date'),
    role,
  })
  .strict();
const passwordCheckSchema = z.object({ login: z.string().min(1).max(256), password: z.string().min(1).max(1024) });
const linkSchema = z.object({
  esiaOid: z.string().min(1).max(64),
  method: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true }),
});

export function createApiRouter(deps: MockJournalDeps): Router {
  const router = new Router({ prefix: deps.apiBasePath });
  const { store } = deps;
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '16kb', encoding: 'utf-8' });
  const guard = (operation: Operation): Middleware[] => [applyFaults(deps.faults, operation), authenticate(deps)];

  router.get('/accounts', ...guard('findAccounts'), (ctx) => {
    const query = singleValues(ctx);
    if (!query) return problem(ctx, 400, 'a query parameter is repeated');
    if ('snils' in query) {
      const parsed = bySnilsSchema.safeParse(query);
      if (!parsed.success) return invalid(ctx, parsed.error);
      ctx.body = { accounts: store.findBySnils(parsed.data.snils, parsed.data.role) };
      return;
    }
    const parsed = byNameSchema.safeParse(query);
    if (!parsed.success) return invalid(ctx, parsed.error);
    ctx.body = { accounts: store.findByFullName(parsed.data) };
  });

  router.get('/accounts/:accountId', ...guard('getAccount'), (ctx) => {
    const account = store.get(ctx.params.accountId!);
    if (!account) return problem(ctx, 404, 'no such account');
    ctx.body = account;
  });

  router.post('/password-checks', ...guard('checkPassword'), json, async (ctx) => {
    const parsed = passwordCheckSchema.safeParse(ctx.request.body);
    // Never echo the body: it carries a password.
    if (!parsed.success) return problem(ctx, 400, 'expected {"login": string, "password": string}');
    const account = await store.checkPassword(parsed.data.login, parsed.data.password);
    ctx.body = account ? { result: 'valid', account } : { result: 'invalid' };
  });

  router.get('/accounts/:accountId/parents', ...guard('listParents'), (ctx) => {
    const accounts = store.parentsOf(ctx.params.accountId!);
    if (!accounts) return problem(ctx, 404, 'no such account');
    ctx.body = { accounts };
  });

  router.get('/accounts/:accountId/children', ...guard('listChildren'), (ctx) => {
    const accounts = store.childrenOf(ctx.params.accountId!);
    if (!accounts) return problem(ctx, 404, 'no such account');
    ctx.body = { accounts };
  });

  router.get('/institutions', ...guard('listInstitutions'), (ctx) => {
    ctx.body = { institutions: store.institutions };
  });

  router.put('/accounts/:accountId/esia-link', ...guard('putEsiaLink'), json, (ctx) => {
    const accountId = ctx.params.accountId!;
    if (!store.get(accountId)) return problem(ctx, 404, 'no such account');
    const parsed = linkSchema.safeParse(ctx.request.body);
    if (!parsed.success) return invalid(ctx, parsed.error);
    store.links.set(accountId, { accountId, ...parsed.data, recordedAt: deps.clock().toISOString() });
    ctx.status = 204;
  });

  router.delete('/accounts/:accountId/esia-link', ...guard('deleteEsiaLink'), (ctx) => {
    const accountId = ctx.params.accountId!;
    if (!store.get(accountId)) return problem(ctx, 404, 'no such account');
    store.links.delete(accountId);
    ctx.status = 204;
  });

  return router;
}

/** The broker, by a verified client certificate (when allowed) or by its bearer assertion. */
function authenticate(deps: MockJournalDeps): Middleware {
  return async (ctx: Context, next: Next) => {
    if (deps.acceptClientCertificates && (ctx.req.socket as Partial<TLSSocket>).authorized === true) return next();
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(ctx.get('authorization'));
    if (!match) return unauthorized(ctx, 'Bearer', 'a bearer assertion is required');
    const check = await deps.verifyAssertion(match[1]!);
    if (!check.ok) {
      deps.log(`mock-journal: assertion refused (${check.reason})`);
      return unauthorized(ctx, 'Bearer error="invalid_token"', check.reason);
    }
    return next();
  };
}

function unauthorized(ctx: Context, challenge: string, detail: string): void {
  problem(ctx, 401, detail);
  ctx.set('WWW-Authenticate', challenge);
}

function invalid(ctx: Context, error: z.ZodError): void {
  problem(ctx, 400, error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; '));
}

/** The query as single strings; undefined when a parameter is repeated. */
function singleValues(ctx: Context): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.query)) {
    if (typeof value !== 'string') return undefined;
    out[key] = value;
  }
  return out;
}
