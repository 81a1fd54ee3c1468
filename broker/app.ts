/**
 * Builds the broker: the OpenID Provider, the login's interaction routes and the ESIA callback, on one
 * Koa app. It never listens (`broker/main.ts` does) and reads no environment.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Provider from 'oidc-provider';
import type { Configuration, Interaction, KoaContextWithOIDC } from 'oidc-provider';
import type { JournalAccount, JournalAdapter } from '../adapters/types.ts';
import type { BrokerConfig } from '../config/broker.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { withRequestContext } from '../core/request-context.ts';
import { calendarDateIn, DEFAULT_TIME_ZONE } from '../fixtures/personas.ts';
import type { EsiaClient } from './esia/client.ts';
import { describe, registerInteractionRoutes } from './interactions/routes.ts';
import { loadBrokerKeys, type BrokerKeys } from './keys.ts';
import { applyTrustProxy } from './proxy.ts';
import type { Link, LinkStore } from './links/store.ts';
import { createMemoryLinkStore } from './links/store-memory.ts';
import type { AuditEntry, AuditLog } from './audit/log.ts';
import { createMemoryAuditLog } from './audit/log-memory.ts';
import { registerLinkRoutes } from './linking/routes.ts';
import { registerMyLinksRoutes } from './linking/my-links.ts';
import { endAccountSessions, registerUnlinkRoutes } from './linking/unlink.ts';
import { registerCabinetRoutes } from './consent/cabinet.ts';
import type { ConsentDeps } from './consent/service.ts';
import type { ConsentStore } from './consent/store.ts';
import { createMemoryConsentStore } from './consent/store-memory.ts';
import { createConsentWebhook } from './consent/webhook.ts';
import { ADMIN_PREFIX, createAdminApi } from './admin/routes.ts';
import type { JWK } from 'jose';
import { SnapshotAccount, type AccountSnapshot } from './oidc/claims.ts';
import { createProvider } from './oidc/provider.ts';
import { InteractionHandoff } from './oidc/interaction-handoff.ts';
import { CookieSigner } from './cookie-signer.ts';
import type { KeyValueStore } from './store/types.ts';
import { errorPage } from './views/pages.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { opsRoutes } from './ops.ts';
import { continueRequest, requestIdMiddleware } from './request-id.ts';
import type { RedisClient } from './store/redis.ts';

export interface BrokerOptions {
  config: BrokerConfig;
  /** The public base URL and issuer, without a trailing slash. */
  issuer: string;
  esia: EsiaClient;
  kv: KeyValueStore;
  /** Journal names by id, for people's pages. */
  journalNames?: ReadonlyMap<string, string>;
  /** The audit log; default an in-memory one (development and tests). */
  audit?: AuditLog;
  /** The link store; default an in-memory one (development and tests). */
  links?: LinkStore;
  /** The consent store; default an in-memory one writing to `audit`. */
  consents?: ConsentStore;
  /** oidc-provider's storage adapter; default its memory adapter (development). */
  oidcAdapter?: Configuration['adapter'];
  adapters: ReadonlyMap<string, JournalAdapter>;
  timeZone?: string;
  clock?: () => Date;
  log?: Logger;
  /** The metrics registry; default a fresh one (give the same one to the ESIA client and adapters as observers). */
  metrics?: Metrics;
  /** The Redis connection, when the store is Redis: checked by /readyz, its errors counted. */
  redis?: RedisClient;
  /** The keys, when resolved already (shared through Redis); default from the config (`loadBrokerKeys`). */
  keys?: BrokerKeys;
}

export interface Broker {
  readonly app: Koa;
  /**
   * The HTTP request listener: the broker's own paths go through `app`, oidc-provider's straight to
   * the provider (one Koa context per request instead of two). `app.callback()` serves the same.
   */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly provider: Provider;
  readonly links: LinkStore;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly consents: ConsentStore;
  /** Delivers the consent events waiting now (tests). */
  readonly webhookIdle: () => Promise<void>;
  /** Stops background work (the consent webhook's worker). */
  readonly stop: () => Promise<void>;
}

const snapshotKey = (journalId: string, accountId: string) => `account:${journalId}:${accountId}`;

export function createBroker(options: BrokerOptions): Broker {
  const { config, kv } = options;
  const log = withRequestContext(options.log ?? silentLogger);
  const metrics = options.metrics ?? createMetrics();
  options.redis?.on('error', () => metrics.redisError());
  const clock = options.clock ?? (() => new Date());
  const today = () => {
    const d = calendarDateIn(clock(), options.timeZone ?? DEFAULT_TIME_ZONE);
    return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  };
  const keys = options.keys ?? loadBrokerKeys(config);
  const audit = options.audit ?? createMemoryAuditLog();
  const links = options.links ?? createMemoryLinkStore({ audit });
  const consents = options.consents ?? createMemoryConsentStore({ audit });
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;

  /** The journal and account a session account id names, for this client. */
  const resolve = (journal: string | undefined, sub: string): { journalId: string; accountId: string } | undefined => {
    if (journal) return { journalId: journal, accountId: sub };
    const at = sub.indexOf(':');
    return at > 0 ? { journalId: sub.slice(0, at), accountId: sub.slice(at + 1) } : undefined;
  };
  const journalOf = (client: unknown) => (client as { journal?: string } | undefined)?.journal;
  /**
   * The account's snapshot, read once per request (keyed by the Node request, which the login's
   * callback and the authorization it resumes share): the resumed authorization asks for it twice (the
   * session check, then the account), and a request is short enough not to see it change. A login that
   * has just written the snapshot hands it over (`saveSnapshot` with the request) instead of reading it back.
   */
  const snapshotsRead = new WeakMap<IncomingMessage, Map<string, Promise<AccountSnapshot | undefined>>>();
  const snapshotsOf = (req: IncomingMessage) => {
    let read = snapshotsRead.get(req);
    if (!read) snapshotsRead.set(req, (read = new Map()));
    return read;
  };
  const snapshotFor = (req: IncomingMessage, where: { journalId: string; accountId: string }): Promise<AccountSnapshot | undefined> => {
    const key = snapshotKey(where.journalId, where.accountId);
    const read = snapshotsOf(req);
    let snapshot = read.get(key);
    if (!snapshot) read.set(key, (snapshot = kv.get(key) as Promise<AccountSnapshot | undefined>));
    return snapshot;
  };
  const saveSnapshot = async (s: AccountSnapshot, req?: IncomingMessage): Promise<void> => {
    const key = snapshotKey(s.journalId, s.accountId);
    await kv.set(key, s, config.ttl.session);
    // As a read would give it back: through JSON (absent fields stay absent).
    if (req) snapshotsOf(req).set(key, Promise.resolve(JSON.parse(JSON.stringify(s)) as AccountSnapshot));
  };
  const handoff = new InteractionHandoff();
  const cookieSigner = new CookieSigner(keys.cookieKeys);

  const provider: Provider = createProvider({
    issuer: options.issuer,
    clients: config.clients,
    jwks: keys.jwks,
    cookieSigner,
    ttl: config.ttl,
    adapter: handoff.wrap(options.oidcAdapter),
    pairwiseSecret: config.pairwiseSecret ?? keys.cookieKeys[keys.cookieKeys.length - 1]!,
    allowPrivateNetworkCallbacks: config.allowPrivateNetworkCallbacks,
    log: (message, details) => log.warn(details, message),
    findAccount: async (ctx, sub, token) => {
      const client = ctx.oidc.client ?? (token?.clientId ? await provider.Client.find(token.clientId) : undefined);
      const where = resolve(journalOf(client), sub);
      const snapshot = where ? await snapshotFor(ctx.req, where) : undefined;
      if (!snapshot) return undefined;
      return new SnapshotAccount(sub, snapshot, today);
    },
    sessionFits: async (ctx: KoaContextWithOIDC) => {
      const sub = ctx.oidc.session!.accountId!;
      const journal = journalOf(ctx.oidc.client);
      if (!journal && !sub.includes(':')) return false;
      const where = resolve(journal, sub);
      const snapshot = where ? await snapshotFor(ctx.req, where) : undefined;
      const role = ctx.oidc.params?.role;
      return snapshot !== undefined && (typeof role !== 'string' || role === snapshot.role);
    },
  });

  // oidc-provider's own requests skip the broker's Koa app (see `handler`): they get the request id,
  // the access line and the security headers from the provider's own middleware.
  provider.use(requestIdMiddleware(log));
  provider.use(securityHeaders);

  provider.on('backchannel.error', (_ctx: unknown, err: Error, client: { clientId: string }) =>
    log.warn({ err: describe(err), clientId: client.clientId }, 'back-channel logout failed'),
  );
  provider.on('server_error', (_ctx: unknown, err: Error) => log.error({ err: describe(err) }, 'oidc-provider server error'));

  // RP-initiated logout also ends the ESIA session: the redirect back to the journal goes through
  // ESIA's logout first (ESIA returns only to our own registered domain, so via /logout/done).
  const logoutThroughEsia = async (ctx: Koa.Context, next: Koa.Next): Promise<void> => {
    await next();
    if (ctx.status !== 302 && ctx.status !== 303) return;
    const back = ctx.response.get('location');
    const id = randomBytes(18).toString('base64url');
    await kv.set(`logout:${id}`, back, 600);
    ctx.redirect(options.esia.logoutUrl(`${options.issuer}/logout/done?id=${id}`));
  };
  // Not an async function itself: every provider request passes here, and only logout needs to wait.
  provider.use((ctx, next) => (ctx.path === '/session/end/confirm' ? logoutThroughEsia(ctx, next) : next()));

  const recordLink = async (input: {
    person: { oid: string };
    account: { journalId: string; accountId: string; role: JournalAccount['role'] };
    method: Link['method'];
    evidence: string[];
  }): Promise<{ ok: boolean }> => {
    const { person, account, method, evidence } = input;
    const actor: AuditEntry['actor'] = method === 'journal-initiated' ? { kind: 'journal', id: account.journalId } : { kind: 'person', id: person.oid };
    const result = await links.linkWithAudit(
      {
        esiaOid: person.oid,
        journalId: account.journalId,
        accountId: account.accountId,
        role: account.role,
        method,
        linkedAt: clock().toISOString(),
        evidence: evidence as Link['evidence'],
      },
      { actor },
    );
    const ok = result.ok;
    metrics.link(method, ok ? 'linked' : 'conflict');
    return { ok };
  };

  const unlinkDeps = { provider, clients: config.clients, links, audit, kv, log, clock, snapshotKey, metrics };
  const signingJwk = keys.jwks.keys[0] as unknown as JWK & { kid: string; alg: string };
  const webhook = config.consent.webhookUrl
    ? createConsentWebhook({ url: config.consent.webhookUrl, issuer: options.issuer, signingJwk, outbox: consents.outbox, log, clock })
    : undefined;
  const consentDeps: ConsentDeps = {
    store: consents,
    links,
    adapters: options.adapters,
    config: config.consent,
    policyVersion: config.policy.version,
    clock,
    log,
    endSessions: (journalId, accountId) => endAccountSessions(unlinkDeps, journalId, accountId),
    counted: (state) => metrics.consent(state),
  };
  const router = new Router();
  router.get('/logout/done', async (ctx) => {
    const id = typeof ctx.query.id === 'string' ? ctx.query.id : '';
    const back = id ? ((await kv.take(`logout:${id}`)) as string | undefined) : undefined;
    if (back) return ctx.redirect(back);
    ctx.type = 'html';
    ctx.body = errorPage('Вы вышли', 'Можно закрыть эту страницу.');
  });
  registerInteractionRoutes(router, {
    provider,
    esia: options.esia,
    kv,
    links,
    adapters: options.adapters,
    config,
    issuer: options.issuer,
    log,
    metrics,
    saveSnapshot,
    audit: (entry) =>
      audit.append({
        at: clock().toISOString(),
        action: entry.action,
        outcome: entry.outcome,
        actor: { kind: 'person', id: entry.esiaOid ?? 'unknown' },
        esiaOid: entry.esiaOid,
        journalId: entry.journalId,
        accountId: entry.accountId,
        method: entry.method,
        reason: entry.reason,
      }),
    recordLink: (input) => recordLink(input),
    sessionAccountId: (bound: boolean, account: JournalAccount) => (bound ? account.accountId : `${account.journalId}:${account.accountId}`),
    consent: consentDeps,
    timeZone,
    clock,
    resume: (req, res, interaction, ttl) => resumeHere(req, res, interaction, ttl),
  });

  registerLinkRoutes(router, {
    issuer: options.issuer,
    config,
    esia: options.esia,
    kv,
    links,
    adapters: options.adapters,
    signingJwk,
    log,
    clock,
    timeZone,
    recordLink: (input) => recordLink(input),
  });


  const apiRouter = new Router();
  registerUnlinkRoutes(apiRouter, unlinkDeps);
  registerMyLinksRoutes(router, { ...unlinkDeps, esia: options.esia, issuer: options.issuer, journalNames: options.journalNames ?? new Map() });
  registerCabinetRoutes(router, {
    consent: consentDeps,
    unlink: unlinkDeps,
    esia: options.esia,
    kv,
    issuer: options.issuer,
    journalNames: options.journalNames ?? new Map(),
    timeZone,
    auditRefusal: (esiaOid, reason) =>
      audit.append({ at: clock().toISOString(), action: 'login_refused', outcome: 'refused', actor: { kind: 'person', id: esiaOid }, esiaOid, method: 'cabinet', reason }),
  });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '4kb' });
  const admin = createAdminApi({ ...unlinkDeps, config, adapters: options.adapters, journalNames: options.journalNames ?? new Map(), consent: consentDeps });

  const app = new Koa();
  app.keys = cookieSigner;
  // Through `app.callback()`, oidc-provider's requests go straight on (see `handler`).
  app.use((ctx, next) => {
    if (brokerOwns(ctx.path)) return next();
    ctx.respond = false;
    return providerCallback(ctx.req, ctx.res);
  });
  app.use(requestIdMiddleware(log));
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // A request we could not read (malformed or oversized body: the body parsers' 4xx): the sender's fault.
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        log.info({ status, path: ctx.path, reqId: ctx.state.requestId as string }, 'request refused: unreadable body');
        ctx.status = status;
        if (ctx.path.startsWith('/api/')) {
          ctx.body = { error: 'invalid_request', error_description: 'the request body could not be read' };
        } else {
          ctx.type = 'html';
          ctx.body = errorPage('Запрос не понят', 'Вернитесь на предыдущую страницу и попробуйте ещё раз.');
        }
        return;
      }
      log.error({ err: describe(err), path: ctx.path, reqId: ctx.state.requestId as string }, 'request failed');
      ctx.status = 500;
      ctx.type = 'html';
      ctx.body = errorPage('Что-то пошло не так', 'Попробуйте войти ещё раз через несколько минут.');
    }
  });
  app.use(securityHeaders);
  app.use(opsRoutes({ metrics, metricsToken: config.metrics.token, redis: options.redis, keysLoaded: () => keys.jwks.keys.length > 0 && keys.cookieKeys.length > 0 }));
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const pageRoutes = router.routes();
  const apiRoutes = apiRouter.routes();
  app.use(async (ctx, next) => {
    if (ownsPage(ctx.path)) {
      // A bound function, not a closure per request (see core/deadline.ts).
      await form(ctx, pageRoutes.bind(null, ctx as never, next));
      return;
    }
    if (ctx.path.startsWith('/api/journal/')) {
      await json(ctx, async () => {
        await apiRoutes(ctx as never, next);
      });
      return;
    }
    if (ctx.path.startsWith(ADMIN_PREFIX)) {
      await json(ctx, () => admin(ctx, next));
      return;
    }
    // Under /api/ but no API of ours, or an operator path with another method: oidc-provider's 404.
    ctx.respond = false;
    await providerCallback(ctx.req, ctx.res);
  });
  applyTrustProxy([app, provider], config.trustProxy);
  // Composed once, after every `provider.use` and `app.use` (Koa composes its middleware on `callback()`).
  const providerCallback = provider.callback();

  /**
   * oidc-provider's resume (`GET /auth/<uid>`) run on the request that finished the interaction. The
   * browser would come back with the resume cookie (signed, path /auth/<uid>) that oidc-provider set
   * for this interaction; the request in hand has proved the same browser with the interaction cookie,
   * so it carries that cookie, signed with the first cookie key as oidc-provider's cookies are. The
   * finished interaction reaches the resume in memory (`handoff`), not through the store.
   */
  const resumeHere = async (req: IncomingMessage, res: ServerResponse, interaction: Interaction, ttl: number): Promise<boolean> => {
    const returnTo = interaction.returnTo;
    const path = returnTo.startsWith(options.issuer) ? returnTo.slice(options.issuer.length) : '';
    const uid = /^\/auth\/([\w-]+)$/.exec(path)?.[1];
    // Another request of this browser (a second tab) is finishing the same interaction right now.
    if (handoff.busy(interaction.uid)) return false;
    if (!uid || uid !== interaction.uid) {
      await interaction.save(ttl);
      res.statusCode = 303;
      res.setHeader('Location', returnTo);
      res.end();
      return true;
    }
    handoff.hold(uid);
    try {
      await interaction.save(ttl);
      const name = provider.cookieName('resume');
      const signature = cookieSigner.sign(`${name}=${uid}`);
      req.method = 'GET';
      req.url = path;
      req.headers.cookie = [req.headers.cookie, `${name}=${uid}`, `${name}.sig=${signature}`].filter(Boolean).join('; ');
      const requestId = res.getHeader('x-request-id');
      if (typeof requestId === 'string') continueRequest(req, requestId);
      await providerCallback(req, res);
    } finally {
      await handoff.release(uid);
    }
    return true;
  };
  const appCallback = app.callback();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    void (brokerOwns(query < 0 ? url : url.slice(0, query)) ? appCallback : providerCallback)(req, res);
  };
  return { app, handler, provider, links, audit, metrics, consents, webhookIdle: () => webhook?.flush() ?? Promise.resolve(), stop: () => webhook?.stop() ?? Promise.resolve() };
}

/** The broker's own pages (forms): the login's interaction, linking, the cabinet, logout's return. */
function ownsPage(path: string): boolean {
  return (
    path.startsWith('/interaction/') ||
    path.startsWith('/my/') ||
    path === '/cabinet' ||
    path.startsWith('/cabinet/') ||
    path === '/logout/done' ||
    path === '/link' ||
    path === '/link/esia'
  );
}

/** Paths the broker's Koa app answers; everything else is oidc-provider's. */
function brokerOwns(path: string): boolean {
  return ownsPage(path) || path.startsWith('/api/') || path === '/healthz' || path === '/readyz' || path === '/metrics';
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

/** Headers on every answer, the broker's pages and oidc-provider's alike (a page may set its own CSP). */
const securityHeaders: Koa.Middleware = (ctx, next) => {
  // On the raw response: Koa 3's `ctx.set` builds arrays for every header it sets.
  const res = ctx.res;
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', CSP);
  return next();
};
