/** Journals and clients as configured: what each is and can do, never a secret or key. */
import type { Router } from '@koa/router';
import { hasLinkWriteBack, hasPasswordCheck, hasRelations } from '../../adapters/types.ts';
import type { AdminDeps } from './deps.ts';
import { requireScope, type RecordAdminAction } from './http.ts';

export function registerRegistryRoutes(router: Router, deps: AdminDeps, record: RecordAdminAction): void {
  router.get('/api/admin/journals', requireScope('read', 'admin_read', 'journals', record), async (ctx) => {
    const journals = [...deps.adapters.values()].map((a) => ({
      id: a.journalId,
      name: deps.journalNames.get(a.journalId) ?? a.journalId,
      kind: a.kind,
      capabilities: [
        ...(hasPasswordCheck(a) ? ['password_check'] : []),
        ...(hasRelations(a) ? ['relations'] : []),
        ...(hasLinkWriteBack(a) ? ['link_write_back'] : []),
      ],
    }));
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'journals' });
    ctx.body = { journals };
  });

  router.get('/api/admin/clients', requireScope('read', 'admin_read', 'clients', record), async (ctx) => {
    // An allow-list of fields: a field added to the client config later stays out until listed here.
    const clients = deps.clients.map((c) => ({
      clientId: c.clientId,
      name: c.name,
      journal: c.journal ?? null,
      tokenEndpointAuthMethod: c.tokenEndpointAuthMethod,
      redirectUris: c.redirectUris,
      postLogoutRedirectUris: c.postLogoutRedirectUris,
      linkReturnUris: c.linkReturnUris,
      backchannelLogoutUri: c.backchannelLogoutUri ?? null,
    }));
    await record(ctx, { action: 'admin_read', outcome: 'ok', method: 'clients' });
    ctx.body = { clients };
  });
}
