/**
 * Links: find them by journal account (the account's person) or by ESIA person (all their links), and
 * unlink one account through the same path as the journal and the person (`unlinkAccount`: the link
 * and its audit entry atomically, the account's sessions end, back-channel logout).
 */
import type { Router } from '@koa/router';
import { z } from 'zod';
import { esiaOidSchema, idSchema } from '../audit/log.ts';
import type { Link } from '../links/store.ts';
import { unlinkAccount } from '../linking/unlink.ts';
import type { AdminDeps } from './deps.ts';
import { parseInput, principalOf, queryOf, refuse, requireScope, type RecordAdminAction } from './http.ts';

const findSchema = z.union([
  z.object({ journalId: idSchema(64), accountId: idSchema(128) }).strict(),
  z.object({ esiaOid: esiaOidSchema }).strict(),
]);
const accountSchema = z.object({ journalId: idSchema(64), accountId: idSchema(128) }).strict();

export function registerLinkRoutes(router: Router, deps: AdminDeps, record: RecordAdminAction): void {
  router.get('/api/admin/links', requireScope('read', 'admin_read', 'links', record), async (ctx) => {
    const query = parseInput(ctx, findSchema, queryOf(ctx));
    if (!query) return;
    let links: Link[];
    if ('esiaOid' in query) links = await deps.links.linksOf(query.esiaOid);
    else {
      const oid = await deps.links.personOf(query.journalId, query.accountId);
      links = oid ? (await deps.links.linksOf(oid, { journalId: query.journalId })).filter((l) => l.accountId === query.accountId) : [];
    }
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'links', ...query });
    ctx.body = { links };
  });

  router.delete('/api/admin/links/:journalId/:accountId', requireScope('write', 'admin_unlink', 'links', record), async (ctx) => {
    const target = parseInput(ctx, accountSchema, { journalId: ctx.params.journalId, accountId: ctx.params.accountId });
    if (!target) return;
    // The unlink's own audit entry (action `unlink`, this token as the actor) is written with the change.
    const done = await unlinkAccount(deps, { ...target, actor: { kind: 'admin', id: principalOf(ctx).name }, reason: 'by_admin' });
    if (done) {
      ctx.status = 204;
      return;
    }
    await record(ctx, { action: 'admin_unlink', outcome: 'refused', reason: 'not_linked', ...target });
    refuse(ctx, 'notLinked');
  });
}
