/**
 * The routes of linking started by the journal (see `journal-initiated.ts` for the protocol): the
 * journal's signed request → ESIA login → link → back to the journal with a signed result. The flow is
 * bound to the browser by a cookie on `/link` and to ESIA by a single-use state.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { JWK } from 'jose';
import type { JournalAdapter } from '../../adapters/types.ts';
import type { BrokerConfig, OidcClientConfig } from '../../config/broker.ts';
import type { Logger } from '../../core/log.ts';
import type { EsiaClient } from '../esia/client.ts';
import { EsiaError } from '../esia/errors.ts';
import type { LinkStore } from '../links/store.ts';
import { readPerson, isAdapterError, type LoginPerson } from '../login/flow.ts';
import { ageGroupOf, allows, ruleFor } from '../login/policy.ts';
import type { KeyValueStore } from '../store/types.ts';
import { errorPage } from '../views/pages.ts';
import { signLinkResult, verifyLinkRequest, type LinkResultStatus } from './journal-initiated.ts';

interface LinkFlow {
  clientId: string;
  journalId: string;
  accountId: string;
  returnUri: string;
}

export interface LinkRouteDeps {
  issuer: string;
  config: BrokerConfig;
  esia: EsiaClient;
  kv: KeyValueStore;
  links: LinkStore;
  adapters: ReadonlyMap<string, JournalAdapter>;
  signingJwk: JWK & { kid: string; alg: string };
  log: Logger;
  clock: () => Date;
  /** The region's time zone (ages). */
  timeZone: string;
  recordLink(input: { person: LoginPerson; account: { journalId: string; accountId: string; role: 'parent' | 'pupil' | 'staff' }; method: 'journal-initiated'; evidence: string[]; address: string }): Promise<{ ok: boolean }>;
}

const COOKIE = 'broker_link';
const FLOW_TTL_SECONDS = 900;

export function registerLinkRoutes(router: Router, deps: LinkRouteDeps): void {
  const clients = new Map<string, OidcClientConfig>(deps.config.clients.map((c) => [c.clientId, c]));
  const invalid = (ctx: Context) => {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = errorPage(
      'Ссылка недействительна',
      'Ссылка для привязки учётной записи Госуслуг недействительна или устарела. Вернитесь в журнал и нажмите «Привязать учётную запись Госуслуг» ещё раз.',
    );
  };

  router.get('/link', async (ctx) => {
    const token = typeof ctx.query.request === 'string' ? ctx.query.request : '';
    if (!token || token.length > 8192) return invalid(ctx);
    const verified = await verifyLinkRequest(token, {
      issuer: deps.issuer,
      clients,
      clock: deps.clock,
      useJti: (clientId, jti, ttl) => deps.kv.setIfAbsent(`link-jti:${clientId}:${jti}`, true, ttl),
    });
    if (!verified.ok) {
      deps.log.warn({ problem: verified.problem }, 'link request refused');
      return invalid(ctx);
    }
    const flowId = randomBytes(24).toString('base64url');
    const flow: LinkFlow = {
      clientId: verified.client.clientId,
      journalId: verified.client.journal!,
      accountId: verified.request.sub,
      returnUri: verified.request.return_uri,
    };
    await deps.kv.set(`link-flow:${flowId}`, flow, FLOW_TTL_SECONDS);
    const esiaState = randomUUID();
    await deps.kv.set(`esia-link-state:${esiaState}`, flowId, deps.config.ttl.esiaFlow);
    ctx.cookies.set(COOKIE, flowId, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/link', overwrite: true });
    const { url } = await deps.esia.buildAuthorizationUrl({ redirectUri: `${deps.issuer}/link/esia`, state: esiaState });
    ctx.redirect(url);
  });

  router.get('/link/esia', async (ctx) => {
    const query = new URLSearchParams(ctx.querystring);
    const esiaState = query.get('state') ?? '';
    const flowId = (await deps.kv.take(`esia-link-state:${esiaState}`)) as string | undefined;
    if (!flowId || flowId !== ctx.cookies.get(COOKIE)) return invalid(ctx);
    const flow = (await deps.kv.take(`link-flow:${flowId}`)) as LinkFlow | undefined;
    ctx.cookies.set(COOKIE, null, { path: '/link' });
    if (!flow) return invalid(ctx);
    const answer = async (status: LinkResultStatus, reason?: string) => {
      const result = await signLinkResult({ issuer: deps.issuer, clientId: flow.clientId, accountId: flow.accountId, status, reason, signingJwk: deps.signingJwk, clock: deps.clock });
      const to = new URL(flow.returnUri);
      to.searchParams.set('result', result);
      ctx.redirect(to.toString());
    };
    let person: LoginPerson;
    try {
      const { code } = deps.esia.parseCallback(query, esiaState);
      const tokens = await deps.esia.exchangeCode({ code, redirectUri: `${deps.issuer}/link/esia` });
      ({ person } = await readPerson(deps.esia, tokens));
    } catch (err) {
      deps.log.warn({ code: (err as { code?: unknown }).code }, 'ESIA login for a journal link failed');
      return answer('refused', err instanceof EsiaError && err.code === 'ERR_ESIA_ACCESS_DENIED' ? 'esia_login_declined' : 'esia_unavailable');
    }
    if (person.deleted) return answer('refused', 'esia_account_deleted');
    const adapter = deps.adapters.get(flow.journalId);
    let account;
    try {
      account = adapter ? await adapter.getAccount(flow.accountId) : undefined;
    } catch (err) {
      if (!isAdapterError(err)) throw err;
      return answer('refused', 'journal_unavailable');
    }
    if (!account) return answer('refused', 'unknown_account');
    const group = ageGroupOf(person.birthDate, deps.clock(), deps.timeZone);
    const rule = ruleFor(deps.config.policy, account.role, group);
    if (rule.manualLink === 'none') return answer('refused', 'age_not_allowed');
    if (!allows(person.level, rule.manualLink)) return answer('refused', 'esia_level_too_low');
    const holder = await deps.links.personOf(flow.journalId, flow.accountId);
    if (holder === person.oid) return answer('already_linked');
    if (holder) return answer('linked_to_another_person');
    const linked = await deps.recordLink({ person, account, method: 'journal-initiated', evidence: ['journal_session'], address: ctx.ip });
    return answer(linked.ok ? 'linked' : 'linked_to_another_person');
  });
}
