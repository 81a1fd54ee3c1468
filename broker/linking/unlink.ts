/**
 * Unlinking: removes a journal account's link atomically, records it in the audit log, ends the
 * account's sessions at the broker (its remembered snapshot goes, so existing sessions need a new login
 * and tokens stop resolving), and tells the journal's clients on the back channel.
 * The journal's API: `POST /api/journal/unlink` with HTTP Basic authentication as one of its OIDC
 * clients (client id and secret) and a JSON body `{"accountId": "…"}`; 204 when unlinked, 404 when the
 * account had no link.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { OidcClientConfig } from '../../config/broker.ts';
import type { Logger } from '../../core/log.ts';
import type { AuditEntry, AuditLog } from '../audit/log.ts';
import type { LinkStore } from '../links/store.ts';
import type { KeyValueStore } from '../store/types.ts';

export interface UnlinkDeps {
  provider: Provider;
  clients: readonly OidcClientConfig[];
  links: LinkStore;
  audit: AuditLog;
  kv: KeyValueStore;
  log: Logger;
  clock: () => Date;
  /** The KV key of an account's remembered snapshot. */
  snapshotKey(journalId: string, accountId: string): string;
  /** Counts removed links (metrics). */
  metrics?: { unlink(actor: string): void };
}

export async function unlinkAccount(
  deps: UnlinkDeps,
  input: { journalId: string; accountId: string; actor: AuditEntry['actor']; expectedOid?: string; reason?: string },
): Promise<boolean> {
  const removed = await deps.links.unlinkWithAudit(input.journalId, input.accountId, {
    actor: input.actor,
    at: deps.clock().toISOString(),
    ...(input.expectedOid ? { expectedOid: input.expectedOid } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
  });
  if (!removed) return false;
  deps.metrics?.unlink(input.actor.kind);
  await endAccountSessions(deps, input.journalId, input.accountId);
  return true;
}

/**
 * Ends a journal account's sessions at the broker: its remembered snapshot goes (sessions need a new
 * login, userinfo and refresh stop resolving) and the journal's clients hear it on the back channel.
 */
export async function endAccountSessions(deps: UnlinkDeps, journalId: string, accountId: string): Promise<void> {
  await deps.kv.delete(deps.snapshotKey(journalId, accountId));
  const notify = deps.clients.filter((c) => c.journal === journalId && c.backchannelLogoutUri);
  await Promise.all(
    notify.map(async (c) => {
      // oidc-provider's Client model sends the signed logout token (its typings do not declare the method).
      const client = (await deps.provider.Client.find(c.clientId)) as unknown as
        | { backchannelLogout(sub: string, sid?: string): Promise<void> }
        | undefined;
      await client?.backchannelLogout(accountId).catch((err: Error) => {
        deps.log.warn({ clientId: c.clientId, message: err.message }, 'back-channel logout failed');
      });
    }),
  );
}

/** The journal authenticates as one of its confidential OIDC clients (HTTP Basic). */
function journalClient(ctx: Context, clients: readonly OidcClientConfig[]): OidcClientConfig | undefined {
  const header = ctx.get('authorization');
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = decodeURIComponent(decoded.slice(0, colon));
  const secret = Buffer.from(decodeURIComponent(decoded.slice(colon + 1)));
  const client = clients.find((c) => c.clientId === id && c.journal && c.clientSecret);
  if (!client) return undefined;
  const expected = Buffer.from(client.clientSecret!);
  return secret.length === expected.length && timingSafeEqual(secret, expected) ? client : undefined;
}

export function registerUnlinkRoutes(router: Router, deps: UnlinkDeps): void {
  router.post('/api/journal/unlink', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const client = journalClient(ctx, deps.clients);
    if (!client) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Basic realm="broker"');
      ctx.body = { error: 'invalid_client' };
      return;
    }
    const accountId = (ctx.request.body as { accountId?: unknown } | undefined)?.accountId;
    if (typeof accountId !== 'string' || !accountId || accountId.length > 128) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'accountId is required' };
      return;
    }
    const done = await unlinkAccount(deps, { journalId: client.journal!, accountId, actor: { kind: 'journal', id: client.clientId } });
    if (done) ctx.status = 204;
    else {
      ctx.status = 404;
      ctx.body = { error: 'not_linked' };
    }
  });
}
