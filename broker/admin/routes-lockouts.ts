/**
 * Rate-limit lockouts by exact identifiers: read a counter, clear it. The audit entry names the kind
 * and the journal or ESIA person; never the login or the address (they are not ids and may identify a
 * person), which go nowhere but the KV key.
 */
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { AuditEntry } from '../audit/log.ts';
import type { AdminDeps } from './deps.ts';
import { parseInput, queryOf, refuse, requireScope, type RecordAdminAction } from './http.ts';
import { lockoutCounter, lockoutParamsSchema, type LockoutParams } from './lockouts.ts';

const subjectOf = (p: LockoutParams): Pick<AuditEntry, 'journalId' | 'esiaOid'> =>
  'journalId' in p ? { journalId: p.journalId } : 'esiaOid' in p ? { esiaOid: p.esiaOid } : {};

const paramsOf = (ctx: Context) => parseInput(ctx, lockoutParamsSchema, { ...queryOf(ctx), kind: ctx.params.kind });

export function registerLockoutRoutes(router: Router, deps: AdminDeps, record: RecordAdminAction): void {
  router.get('/api/admin/lockouts/:kind', requireScope('read', 'admin_read', 'lockouts', record), async (ctx) => {
    const params = paramsOf(ctx);
    if (!params) return;
    const { key, limit } = lockoutCounter(params, deps.config);
    const [count, ttl] = await Promise.all([deps.kv.get(key), deps.kv.ttl(key)]);
    const failures = Number(count ?? 0);
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'lockouts', ...subjectOf(params) });
    ctx.body = { kind: params.kind, failures, limit, locked: failures >= limit, resetsInSeconds: ttl > 0 ? ttl : 0 };
  });

  router.delete('/api/admin/lockouts/:kind', requireScope('write', 'admin_lockout_cleared', 'lockouts', record), async (ctx) => {
    const params = paramsOf(ctx);
    if (!params) return;
    const { key } = lockoutCounter(params, deps.config);
    const present = (await deps.kv.get(key)) !== undefined;
    const entry = { action: 'admin_lockout_cleared', method: params.kind, ...subjectOf(params) } as const;
    if (!present) {
      await record(ctx, { ...entry, outcome: 'refused', reason: 'no_counter' });
      return refuse(ctx, 'notFound');
    }
    await deps.kv.delete(key);
    await record(ctx, { ...entry, outcome: 'ok' });
    ctx.status = 204;
  });
}
