/**
 * Parental consents: find a pupil's records (by the pupil's ESIA oid, by one of the pupil's journal
 * accounts, or by an eligible parent's oid), and revoke one through the same `revoke` the parent's
 * cabinet calls (atomic with its `consent_revoked` entry, this token as the actor; the pupil's sessions
 * end; the webhook is told). Records are shown without their keyed hashes of SNILS and name.
 */
import type { Router } from '@koa/router';
import { z } from 'zod';
import { esiaOidSchema, idSchema } from '../audit/log.ts';
import { revoke } from '../consent/service.ts';
import type { ConsentRecord } from '../consent/store.ts';
import type { AdminDeps } from './deps.ts';
import { parseInput, principalOf, queryOf, refuse, requireScope, type RecordAdminAction } from './http.ts';

const findSchema = z.union([
  z.object({ pupilOid: esiaOidSchema }).strict(),
  z.object({ journalId: idSchema(64), accountId: idSchema(128) }).strict(),
  z.object({ parentOid: esiaOidSchema }).strict(),
]);
const idParamSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) }).strict();

/** A record as the admin API shows it: everything but the kid keys. */
const viewOf = (record: ConsentRecord) => {
  const { kidKeys: _kidKeys, ...rest } = record;
  return rest;
};

export function registerConsentRoutes(router: Router, deps: AdminDeps, record: RecordAdminAction): void {
  router.get('/api/admin/consents', requireScope('read', 'admin_read', 'consents', record), async (ctx) => {
    const query = parseInput(ctx, findSchema, queryOf(ctx));
    if (!query) return;
    let records: ConsentRecord[];
    if ('parentOid' in query) records = await deps.consent.store.forParent(query.parentOid);
    else {
      const pupilOid = 'pupilOid' in query ? query.pupilOid : await deps.links.personOf(query.journalId, query.accountId);
      records = pupilOid ? await deps.consent.store.historyOf(pupilOid) : [];
    }
    const subject = 'pupilOid' in query ? { esiaOid: query.pupilOid } : 'parentOid' in query ? { esiaOid: query.parentOid } : query;
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'consents', ...subject });
    ctx.body = { consents: records.map(viewOf) };
  });

  router.post('/api/admin/consents/:id/revoke', requireScope('write', 'admin_consent_revoke', 'consents', record), async (ctx) => {
    const params = parseInput(ctx, idParamSchema, { id: ctx.params.id });
    if (!params) return;
    const result = await revoke(deps.consent, params.id, { kind: 'admin', id: principalOf(ctx).name }, () => true, 'by_admin');
    if (result.ok) {
      ctx.body = { consent: viewOf(result.record) };
      return;
    }
    const reason = result.reason === 'closed' ? 'consent_closed' : 'not_found';
    await record(ctx, {
      action: 'admin_consent_revoke',
      outcome: 'refused',
      reason,
      ...(result.reason === 'closed' ? { esiaOid: result.record.pupilOid } : {}),
    });
    if (result.reason === 'closed') {
      ctx.status = 409;
      ctx.body = { error: 'consent_closed', error_description: 'the consent is already declined, revoked or expired', consent: viewOf(result.record) };
    } else refuse(ctx, 'notFound');
  });
}
