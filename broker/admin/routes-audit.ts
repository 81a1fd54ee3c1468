/**
 * The audit log for regional IT: a query page by page (`nextCursor`), and an export of everything
 * matching as JSON lines or CSV, streamed page by page.
 */
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { z } from 'zod';
import { esiaOidSchema, idSchema, parseAuditQuery, type AuditQuery } from '../audit/log.ts';
import type { AdminDeps } from './deps.ts';
import { auditPages, exportChunks } from './export.ts';
import { parseInput, queryOf, requireScope, type RecordAdminAction } from './http.ts';

const filterShape = {
  esiaOid: esiaOidSchema.optional(),
  journalId: idSchema(64).optional(),
  accountId: idSchema(128).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};
const needsJournal = { message: 'accountId needs journalId', path: ['accountId'] };
const querySchema = z
  .object({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(64).optional(),
  })
  .strict()
  .refine((q) => !q.accountId || q.journalId, needsJournal);
const exportSchema = z
  .object({ ...filterShape, format: z.enum(['jsonl', 'csv']) })
  .strict()
  .refine((q) => !q.accountId || q.journalId, needsJournal);

/** The audit log's filters as it takes them: times in UTC. */
function filtersOf(q: z.infer<typeof exportSchema> | z.infer<typeof querySchema>): Omit<AuditQuery, 'limit' | 'cursor'> {
  const utc = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).toISOString());
  return { esiaOid: q.esiaOid, journalId: q.journalId, accountId: q.accountId, from: utc(q.from), to: utc(q.to) };
}

/** Which person or account the entries were about, for the admin action's own entry. */
const subjectOf = (q: Omit<AuditQuery, 'limit' | 'cursor'>) => ({ esiaOid: q.esiaOid, journalId: q.journalId, accountId: q.accountId });

export function registerAuditRoutes(router: Router, deps: AdminDeps, record: RecordAdminAction): void {
  router.get('/api/admin/audit', requireScope('read', 'admin_read', 'audit', record), async (ctx) => {
    const q = parseInput(ctx, querySchema, queryOf(ctx));
    if (!q) return;
    const filters = filtersOf(q);
    const page = await deps.audit.query({ ...filters, limit: q.limit ?? 100, ...(q.cursor ? { cursor: q.cursor } : {}) });
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'audit', ...subjectOf(filters) });
    ctx.body = page.nextCursor ? { entries: page.entries, nextCursor: page.nextCursor } : { entries: page.entries };
  });

  router.get('/api/admin/audit/export', requireScope('read', 'admin_export', 'audit', record), async (ctx) => {
    const q = parseInput(ctx, exportSchema, queryOf(ctx));
    if (!q) return;
    const filters = filtersOf(q);
    parseAuditQuery(filters); // refuses (400) before the first byte, not mid-stream
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="audit.${q.format}"`);
    ctx.type = q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
    ctx.body = Readable.from(auditedExport(ctx, deps, record, filters, q.format));
  });
}

/** The export's chunks; when it ends (completed, failed or aborted by the client) its entry is written. */
async function* auditedExport(
  ctx: Context,
  deps: AdminDeps,
  record: RecordAdminAction,
  filters: Omit<AuditQuery, 'limit' | 'cursor'>,
  format: 'jsonl' | 'csv',
): AsyncGenerator<string> {
  let outcome: 'ok' | 'failed' = 'failed';
  try {
    yield* exportChunks(auditPages(deps.audit, filters), format);
    outcome = 'ok';
  } catch (err) {
    deps.log.error({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'audit export failed');
    throw err;
  } finally {
    await record(ctx, { action: 'admin_export', outcome, method: format, ...subjectOf(filters) }).catch((err: Error) =>
      deps.log.error({ err: { name: err.name, message: err.message } }, 'recording an audit export failed'),
    );
  }
}
