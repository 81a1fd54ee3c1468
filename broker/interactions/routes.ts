/**
 * The login's steps as routes: pick the role (skipped when the journal's request names it), go to
 * ESIA with state bound to the interaction (single use, expiring), come back, apply the policy gate,
 * find the linked accounts, pick the school when there are several, or log in with a school password.
 * All step state lives in the store, never in process memory. Every refusal shows a page that says what
 * to do, and its button returns the person to the journal with an OAuth error.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { Interaction as InteractionDetails } from 'oidc-provider';
import { ROLES, hasPasswordCheck, type JournalAccount, type JournalAdapter, type Role } from '../../adapters/types.ts';
import type { Logger } from '../../core/log.ts';
import { randomToken } from '../../core/random-token.ts';
import type { BrokerConfig } from '../../config/broker.ts';
import { EsiaError } from '../esia/errors.ts';
import type { EsiaClient } from '../esia/client.ts';
import type { LinkStore } from '../links/store.ts';
import { accountsOfLinks, isAdapterError, linkedAccounts, readPerson, type LoginPerson } from '../login/flow.ts';
import type { KeyValueStore } from '../store/types.ts';
import type { Acr, AccountSnapshot } from '../oidc/claims.ts';
import { errorPage, institutionPage, manualLinkPage, refusalPage, rolePage, schoolLoginPage } from '../views/pages.ts';
import { grantForConsentPrompt } from './oidc-consent.ts';
import { findAutoLinkMatch, type AutoLinkOutcome } from '../linking/auto.ts';
import { ageGroupOf, allows, ruleFor } from '../login/policy.ts';
import type { AgeGroup } from '../../config/broker.ts';
import { consentForLogin, kidKeysFor, rememberEsiaChildren, withChildrenScopes, type ConsentDeps, type KidFacts } from '../consent/service.ts';
import { consentWaitingPage } from '../views/consent-pages.ts';
import { CONFLICT, CONSENT, CONSENT_LOGIN_EXPIRED, EXPIRED, refusalText, SCHOOL_LOGIN_FAILED, UNAVAILABLE, type RefusalText } from './texts.ts';

/** A login in progress, beside oidc-provider's own interaction record. */
interface LoginState {
  csrf: string;
  /** Whether the state has been stored under the interaction (else it lives only in the ESIA trip's record). */
  stored?: boolean;
  role?: Role;
  person?: LoginPerson;
  /** Account choices offered: key → account. */
  choices?: Record<string, JournalAccount>;
  /** Manual linking offered (and why: nothing found, or several candidates). */
  manualLink?: 'none' | 'ambiguous';
  /** A refusal shown: what the relying party receives when the person goes back. */
  refusal?: { error: string; description: string };
  /** The person's age group on the day of the ESIA login (region's time zone). */
  ageGroup?: AgeGroup;
  /** Keyed hashes of the person's SNILS and name + birth date (consent matching; never the values). */
  kidKeys?: string[];
  /** A login held for a parent's consent: the request, and the account to finish with. */
  consent?: { id: string; account: JournalAccount; bound: boolean };
}

export interface InteractionDeps {
  provider: Provider;
  esia: EsiaClient;
  kv: KeyValueStore;
  links: LinkStore;
  adapters: ReadonlyMap<string, JournalAdapter>;
  config: BrokerConfig;
  issuer: string;
  log: Logger;
  /** Counts how logins end (metrics). */
  metrics?: { login(outcome: 'success' | 'refused' | 'aborted', reason: string): void };
  /** Appends to the audit log (no personal data). */
  audit(entry: { action: 'link_attempt' | 'login_refused'; outcome: 'ok' | 'refused' | 'failed'; reason?: string; esiaOid?: string; journalId?: string; accountId?: string; method?: string }): Promise<void>;
  /**
   * Remembers the account for tokens and userinfo; with the request, the authorization it resumes
   * gets the snapshot without reading it back.
   */
  saveSnapshot(snapshot: AccountSnapshot, req?: IncomingMessage): Promise<void>;
  /** Links an ESIA person to a journal account (atomically, with the audit entry). */
  recordLink(input: { person: LoginPerson; account: JournalAccount; method: 'auto' | 'manual-password'; evidence: string[]; address: string }): Promise<{ ok: boolean }>;
  /** The session account id for this client (the journal's account id, or journal:account for unbound clients). */
  sessionAccountId(journalBound: boolean, account: JournalAccount): string;
  /** Parental consent (store, eligibility, notifications). */
  consent: ConsentDeps;
  /**
   * Saves the finished interaction (for `ttl` seconds) and runs oidc-provider's resumed authorization
   * (its `returnTo`) on this request, so that it answers with the journal's redirect at once instead of
   * sending the browser to `/auth/<uid>` first. Absent: the interaction is saved and the browser is
   * redirected there. Answers false, having done nothing, when another request is finishing the same
   * interaction at this moment.
   */
  resume?(req: IncomingMessage, res: ServerResponse, interaction: InteractionDetails, ttl: number): Promise<boolean>;
  timeZone: string;
  clock: () => Date;
}

/** An ESIA trip: the interaction it belongs to, and the login's state when it left. */
interface EsiaTrip {
  uid: string;
  /** Absent in trips recorded before the state travelled along: the callback reads the stored one. */
  state?: LoginState;
}

const stateKey = (uid: string) => `login:${uid}`;
const esiaKey = (state: string) => `esia-state:${state}`;

export function registerInteractionRoutes(router: Router, deps: InteractionDeps): void {
  const { provider, kv, config } = deps;
  const ttl = config.ttl.interaction;

  /**
   * The interaction of this browser (its cookie) and our state for it, or an "expired" page. A state
   * made here (`fresh`) is not stored yet: whoever shows its CSRF token or moves on saves it. `carried`
   * is the state an ESIA trip took along (the callback reads it from the trip's record, not the store);
   * `read`, the interaction when its reading has begun already.
   */
  async function load(
    ctx: Context,
    uid?: string,
    expired?: { title: string; text: string },
    carried?: LoginState,
    read: Promise<InteractionDetails | undefined> = interactionOf(ctx),
  ) {
    const details = await read;
    if (!details) {
      showExpired(ctx, expired);
      return undefined;
    }
    loadedInteractions.set(ctx, details);
    if (uid !== undefined && details.uid !== uid) {
      showExpired(ctx, expired);
      return undefined;
    }
    let state = carried ?? ((await kv.get(stateKey(details.uid))) as LoginState | undefined);
    const fresh = state === undefined;
    state ??= { csrf: randomToken(24) };
    const client = await provider.Client.find(String(details.params.client_id));
    if (!client) {
      showExpired(ctx);
      return undefined;
    }
    const journalId = (client as unknown as { journal?: string }).journal;
    return { details, state, fresh, client, journalId, clientName: client.clientName ?? client.clientId };
  }

  /** The interaction each request has loaded (`load`), which `finishWith` finishes. */
  const loadedInteractions = new WeakMap<Context, InteractionDetails>();

  /** The interaction of this browser (its cookie), or undefined when it has none or it expired. */
  function interactionOf(ctx: Context): Promise<InteractionDetails | undefined> {
    return provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
  }

  async function save(uid: string, state: LoginState): Promise<void> {
    state.stored = true;
    await kv.set(stateKey(uid), state, ttl);
  }

  function csrfOk(ctx: Context, state: LoginState): boolean {
    const given = Buffer.from(String((ctx.request.body as Record<string, unknown> | undefined)?.csrf ?? ''));
    const expected = Buffer.from(state.csrf);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    ctx.status = 403;
    ctx.type = 'html';
    ctx.body = errorPage('Запрос отклонён', 'Обновите страницу входа и попробуйте ещё раз.');
    return false;
  }

  /**
   * Finishes the interaction this request loaded with `result` (as oidc-provider's `interactionResult`
   * does, without reading it a second time) and answers with its resume.
   */
  async function finishWith(ctx: Context, result: Record<string, unknown>): Promise<void> {
    const interaction = loadedInteractions.get(ctx) ?? (await interactionOf(ctx));
    if (!interaction) return showExpired(ctx);
    const ttl = interaction.exp - Math.floor(Date.now() / 1000);
    if (ttl <= 0) return showExpired(ctx);
    interaction.result = result;
    if (deps.resume) {
      // The resumed authorization answers this request (the journal's redirect with the code or error);
      // false: another request is finishing this interaction at this moment, and this one stops.
      if (!(await deps.resume(ctx.req, ctx.res, interaction, ttl))) return showExpired(ctx);
      ctx.respond = false;
      return;
    }
    await interaction.save(ttl);
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  }

  async function refuse(ctx: Context, uid: string, state: LoginState, text: RefusalText): Promise<void> {
    deps.metrics?.login('refused', text.description);
    state.refusal = { error: text.error, description: text.description };
    await save(uid, state);
    ctx.type = 'html';
    ctx.body = refusalPage(uid, state.csrf, text.title, text.explanation, text.whatToDo);
  }

  /**
   * A single-use ESIA state bound to the interaction, carrying the login's state to the callback (which
   * stores it only if it needs to); returns ESIA's URL.
   */
  async function esiaLoginUrl(uid: string, state: LoginState): Promise<string> {
    const esiaState = randomUUID();
    await kv.set(esiaKey(esiaState), { uid, state } satisfies EsiaTrip, config.ttl.esiaFlow);
    const { url } = await deps.esia.buildAuthorizationUrl({ redirectUri: esiaRedirectUri(uid), state: esiaState, scopes: esiaScopesFor(state.role) });
    return url;
  }

  async function goToEsia(ctx: Context, uid: string, state: LoginState): Promise<void> {
    try {
      ctx.redirect(await esiaLoginUrl(uid, state));
    } catch (err) {
      deps.log.error({ err: describe(err) }, 'cannot build the ESIA authorization request');
      await refuse(ctx, uid, state, UNAVAILABLE.esia);
    }
  }

  // When the journal's request names the role, the authorization request goes to ESIA at once instead
  // of through `GET /interaction/:uid` (one request less per login). oidc-provider has just started the
  // login interaction and set its cookie for /interaction/<uid>, where ESIA sends the browser back.
  // Anything unusual (another prompt, no or an unknown role, ESIA's URL cannot be built) keeps the
  // redirect to the interaction, whose route handles it as always.
  const authorizationPath = provider.pathFor('authorization');
  provider.use(async (ctx, next) => {
    // Only the authorization endpoint and its resume (`/auth`, `/auth/<uid>`) can start a login.
    if (!ctx.path.startsWith(authorizationPath)) return next();
    await next();
    if (ctx.status !== 303 || (ctx.oidc?.route !== 'authorization' && ctx.oidc?.route !== 'resume')) return;
    const interaction = ctx.oidc.entities.Interaction;
    if (!interaction || interaction.prompt.name !== 'login' || ctx.response.get('location') !== `/interaction/${interaction.uid}`) return;
    const role = interaction.params.role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return;
    try {
      ctx.redirect(await esiaLoginUrl(interaction.uid, { csrf: randomToken(24), role: role as Role }));
    } catch (err) {
      deps.log.warn({ err: describe(err) }, 'cannot go to ESIA at once; the interaction will try again');
    }
  });

  router.get('/interaction/:uid', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded) return;
    const { details, state } = loaded;
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      return finishWith(ctx, { consent: { grantId: await grantForConsentPrompt(provider, details) } });
    }
    const requested = details.params.role;
    if (!state.role && typeof requested === 'string' && (ROLES as readonly string[]).includes(requested)) {
      state.role = requested as Role;
      return goToEsia(ctx, details.uid, state);
    }
    if (loaded.fresh) await save(details.uid, state);
    ctx.type = 'html';
    ctx.body = rolePage(details.uid, state.csrf, loaded.clientName, schoolLoginAvailable(loaded.journalId));
  });

  router.post('/interaction/:uid/role', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded || !csrfOk(ctx, loaded.state)) return;
    const role = (ctx.request.body as Record<string, unknown>).role;
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = rolePage(loaded.details.uid, loaded.state.csrf, loaded.clientName, schoolLoginAvailable(loaded.journalId));
      return;
    }
    loaded.state.role = role as Role;
    await goToEsia(ctx, loaded.details.uid, loaded.state);
  });

  // ESIA returns to a path under the interaction, so the browser sends the interaction cookie (its path
  // is /interaction/<uid>); ESIA checks only the domain of redirect_uri.
  const esiaRedirectUri = (uid: string) => `${deps.issuer}/interaction/${uid}/esia`;

  router.get('/interaction/:uid/esia', async (ctx) => {
    const query = new URLSearchParams(ctx.querystring);
    const esiaState = query.get('state') ?? '';
    // The trip and the interaction are read together: one round trip to the store.
    const interaction = interactionOf(ctx);
    const bound = (await kv.take(esiaKey(esiaState))) as EsiaTrip | undefined;
    if (!bound || bound.uid !== ctx.params.uid) return showExpired(ctx);
    const loaded = await load(ctx, bound.uid, undefined, bound.state, interaction);
    if (!loaded) return;
    const { details, state, journalId } = loaded;
    if (!state.role) return showExpired(ctx);
    let person: LoginPerson;
    let snils: string | undefined;
    let kids: KidFacts[];
    let accounts: Promise<JournalAccount[]>;
    try {
      const { code } = deps.esia.parseCallback(query, esiaState);
      const tokens = await deps.esia.exchangeCode({ code, redirectUri: esiaRedirectUri(details.uid), scopes: esiaScopesFor(state.role) });
      // The linked accounts need only the oid: read them while ESIA answers with the person. Their
      // failure is handled where they are awaited (or nowhere, when the login stops before).
      accounts = accountsOfLinks({ oid: String(tokens.access.oid), role: state.role, journalId, links: deps.links, adapters: deps.adapters });
      accounts.catch(() => {});
      ({ person, snils, kids } = await readPerson(deps.esia, tokens));
    } catch (err) {
      deps.log.warn({ err: describe(err) }, 'ESIA login failed');
      if (err instanceof EsiaError && err.code === 'ERR_ESIA_ACCESS_DENIED') {
        deps.metrics?.login('refused', 'esia_login_declined');
        return finishWith(ctx, { error: 'access_denied', error_description: 'esia_login_declined' });
      }
      const unavailable = err instanceof EsiaError && ['ERR_ESIA_UNAVAILABLE', 'ERR_ESIA_TIMEOUT', 'ERR_ESIA_SERVER'].includes(err.code);
      return refuse(ctx, details.uid, state, unavailable ? UNAVAILABLE.esia : UNAVAILABLE.failed);
    }
    state.person = person;
    state.ageGroup = ageGroupOf(person.birthDate, deps.clock(), deps.timeZone);
    if (needsConsent(state)) state.kidKeys = await kidKeysFor(deps.consent, { ...person, snils });
    // A parent's ESIA children list makes them eligible for their children's consent requests.
    if (state.role === 'parent' && kids.length && !person.deleted && !person.child) await rememberEsiaChildren(deps.consent, person.oid, kids);
    await continueWithAccounts(ctx, details.uid, state, journalId, snils, accounts);
  });

  async function continueWithAccounts(ctx: Context, uid: string, state: LoginState, journalId: string | undefined, snils: string | undefined, accounts: Promise<JournalAccount[]>) {
    const role = state.role!;
    const person = state.person!;
    const rule = ruleFor(config.policy, role, state.ageGroup);
    let outcome;
    let autoLink: AutoLinkOutcome = { kind: 'none' };
    const adapter = journalId ? deps.adapters.get(journalId) : undefined;
    try {
      outcome = await linkedAccounts({ person, role, journalId, links: deps.links, adapters: deps.adapters, policy: config.policy, ageGroup: state.ageGroup, accounts });
      if (outcome.kind === 'none' && adapter && allows(person.level, rule.autoLink)) {
        autoLink = await findAutoLinkMatch({ adapter, role, person, snils, matchByNameAndBirthDate: config.linking.matchByNameAndBirthDate });
      }
    } catch (err) {
      if (!isAdapterError(err)) throw err;
      deps.log.warn({ err: describe(err), journalId: err.journalId }, 'journal unavailable during login');
      return refuse(ctx, uid, state, UNAVAILABLE.journal);
    }
    if (outcome.kind === 'refused') {
      return refuse(ctx, uid, state, refusalText(outcome.reason, role, person.level, rule.login));
    }
    if (outcome.kind === 'none' && autoLink.kind === 'match') {
      const linked: JournalAccount[] = [];
      for (const account of autoLink.accounts) {
        const result = await deps.recordLink({ person, account, method: 'auto', evidence: autoLink.evidence, address: ctx.ip });
        if (result.ok) linked.push(account);
      }
      if (!linked.length) return refuse(ctx, uid, state, CONFLICT);
      outcome = { kind: 'accounts' as const, accounts: linked };
    }
    if (outcome.kind === 'none' && adapter && allows(person.level, rule.autoLink)) {
      await deps.audit({
        action: 'link_attempt',
        outcome: 'refused',
        reason: autoLink.kind === 'ambiguous' ? 'ambiguous_match' : 'no_match',
        esiaOid: person.oid,
        journalId: adapter.journalId,
        method: 'auto',
      });
    }
    if (outcome.kind === 'none') {
      if (adapter && hasPasswordCheck(adapter) && allows(person.level, rule.manualLink)) {
        state.manualLink = autoLink.kind === 'ambiguous' ? 'ambiguous' : 'none';
        // Going back from here tells the journal that no account is linked yet.
        state.refusal = { error: 'access_denied', description: 'no_linked_account' };
        await save(uid, state);
        ctx.type = 'html';
        ctx.body = manualLinkPage(uid, state.csrf, await clientNameOf(ctx), state.manualLink);
        return;
      }
      return refuse(ctx, uid, state, refusalText('no_account', role, person.level, rule.login));
    }
    if (outcome.accounts.length === 1) return finishLogin(ctx, uid, state, outcome.accounts[0]!, journalId !== undefined);
    state.choices = Object.fromEntries(outcome.accounts.map((a, i) => [`a${i}`, a]));
    await save(uid, state);
    ctx.type = 'html';
    ctx.body = institutionPage(
      uid,
      state.csrf,
      Object.entries(state.choices).map(([key, a]) => ({ key, institution: a.institution.name, detail: a.className ?? a.position })),
    );
  }

  router.post('/interaction/:uid/account', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded || !csrfOk(ctx, loaded.state)) return;
    const key = (ctx.request.body as Record<string, unknown>).account;
    const account = typeof key === 'string' && loaded.state.choices ? loaded.state.choices[key] : undefined;
    if (!account || !loaded.state.person) return showExpired(ctx);
    await finishLogin(ctx, loaded.details.uid, loaded.state, account, loaded.journalId !== undefined);
  });

  /** The ESIA scopes of a login: a parent's also read the children list, where consent uses it. */
  function esiaScopesFor(role: Role | undefined): readonly string[] | undefined {
    if (role !== 'parent' || !config.consent.enabled || !config.consent.esiaChildren) return undefined;
    return withChildrenScopes(deps.esia.scopes, config.consent);
  }

  /** A pupil aged 14–17 with their own (not a child) ESIA account, when the region asks for consent. */
  function needsConsent(state: LoginState): boolean {
    return config.consent.enabled && state.role === 'pupil' && state.ageGroup === '14_17' && state.person?.child === false;
  }

  async function finishLogin(ctx: Context, uid: string, state: LoginState, account: JournalAccount, bound: boolean) {
    const person = state.person!;
    let consent: AccountSnapshot['consent'];
    if (needsConsent(state)) {
      const linked = await deps.links.linksOf(person.oid, { role: 'pupil' });
      const accounts = linked.map((l) => ({ journalId: l.journalId, accountId: l.accountId }));
      if (!accounts.some((a) => a.journalId === account.journalId && a.accountId === account.accountId)) {
        accounts.push({ journalId: account.journalId, accountId: account.accountId });
      }
      let result;
      try {
        result = await consentForLogin(deps.consent, { oid: person.oid, kidKeys: state.kidKeys ?? [] }, accounts);
      } catch (err) {
        if (!isAdapterError(err)) throw err;
        deps.log.warn({ err: describe(err), journalId: err.journalId }, 'journal unavailable while asking for consent');
        return refuse(ctx, uid, state, UNAVAILABLE.journal);
      }
      if (result.state === 'pending') {
        state.consent = { id: result.record.id, account, bound };
        state.refusal = { error: 'access_denied', description: 'parental_consent_required' };
        await save(uid, state);
        ctx.status = 303;
        ctx.redirect(`/interaction/${uid}/consent`);
        return;
      }
      consent = 'granted';
    }
    await completeLogin(ctx, uid, state, account, { bound, acr: person.level, amr: [...person.amr], birthDate: person.birthDate, consent });
  }

  /** The pupil's waiting page: explains, waits, and finishes the login once a parent approves. */
  router.get('/interaction/:uid/consent', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid, CONSENT_LOGIN_EXPIRED);
    if (!loaded) return;
    const { state, details } = loaded;
    if (!state.consent || !state.person) return showExpired(ctx);
    const { granted, record, stillOpen } = await heldConsent(state.consent.id, state.person.oid);
    if (granted) {
      const { account, bound } = state.consent;
      const person = state.person;
      return completeLogin(ctx, details.uid, state, account, { bound, acr: person.level, amr: [...person.amr], birthDate: person.birthDate, consent: 'granted' });
    }
    if (record?.state === 'declined') return refuse(ctx, details.uid, state, CONSENT.declined);
    if (!record || record.state !== 'pending' || !stillOpen) return refuse(ctx, details.uid, state, CONSENT.closed);
    const nonce = randomBytes(16).toString('base64');
    ctx.set(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'`,
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = consentWaitingPage({
      uid: details.uid,
      csrf: state.csrf,
      nonce,
      parentsFound: record.eligible.length > 0,
      cabinetUrl: `${deps.issuer}/cabinet`,
      pollSeconds: config.consent.pollSeconds,
      schoolLogin: schoolLoginAvailable(loaded.journalId),
    });
  });

  /** What the waiting page polls: the request's state, nothing else. */
  router.get('/interaction/:uid/consent/status', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let uid: string | undefined;
    try {
      uid = (await provider.interactionDetails(ctx.req, ctx.res)).uid;
    } catch {
      uid = undefined;
    }
    const state = uid === ctx.params.uid ? ((await kv.get(stateKey(uid))) as LoginState | undefined) : undefined;
    if (!state?.consent || !state.person) {
      ctx.body = { state: 'login_expired' };
      return;
    }
    const { granted, record } = await heldConsent(state.consent.id, state.person.oid);
    ctx.body = { state: granted ? 'granted' : (record?.state ?? 'expired') };
  });

  /**
   * A held login's request, and whether the pupil may now go on: any granted open consent of the pupil
   * lets the login finish (another login's request may have been approved), and `stillOpen` says
   * whether the held request is the pupil's open one.
   */
  async function heldConsent(id: string, pupilOid: string) {
    const open = await deps.consent.store.openOf(pupilOid);
    const record = open?.id === id ? open : await deps.consent.store.get(id);
    return { granted: open?.state === 'granted', record, stillOpen: open !== undefined && open.id === id };
  }

  /** Remembers the account for tokens and userinfo, and finishes the interaction as a login. */
  async function completeLogin(
    ctx: Context,
    uid: string,
    state: LoginState,
    account: JournalAccount,
    how: { bound: boolean; acr: Acr; amr: string[]; birthDate?: string; consent?: AccountSnapshot['consent'] },
  ) {
    await Promise.all([
      deps.saveSnapshot({
        journalId: account.journalId,
        accountId: account.accountId,
        role: account.role,
        institution: account.institution,
        fullName: account.fullName,
        birthDate: how.birthDate ?? account.birthDate,
        ...(how.consent ? { consent: how.consent } : {}),
      }, ctx.req),
      state.stored ? kv.delete(stateKey(uid)) : undefined,
    ]);
    deps.metrics?.login('success', how.acr === 'school-password' ? 'school_password' : 'esia');
    await finishWith(ctx, { login: { accountId: deps.sessionAccountId(how.bound, account), acr: how.acr, amr: how.amr, remember: true } });
  }

  async function clientNameOf(ctx: Context): Promise<string> {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const client = await provider.Client.find(String(details.params.client_id));
    return client?.clientName ?? String(details.params.client_id);
  }

  function schoolLoginAvailable(journalId: string | undefined): boolean {
    const adapter = journalId ? deps.adapters.get(journalId) : undefined;
    return config.schoolLogin.enabled && adapter !== undefined && hasPasswordCheck(adapter);
  }

  router.get('/interaction/:uid/school-login', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded) return;
    if (!schoolLoginAvailable(loaded.journalId)) return showExpired(ctx);
    if (loaded.fresh) await save(loaded.details.uid, loaded.state);
    ctx.type = 'html';
    ctx.body = schoolLoginPage(loaded.details.uid, loaded.state.csrf, loaded.clientName);
  });

  router.post('/interaction/:uid/school-login', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded || !csrfOk(ctx, loaded.state)) return;
    const adapter = loaded.journalId ? deps.adapters.get(loaded.journalId) : undefined;
    if (!adapter || !hasPasswordCheck(adapter) || !config.schoolLogin.enabled) return showExpired(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const login = typeof body.login === 'string' ? body.login.trim().toLowerCase().slice(0, 200) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 200) : '';
    const limits = config.schoolLogin;
    const accountKey = `rl:school:account:${adapter.journalId}:${login}`;
    const addressKey = `rl:school:address:${ctx.ip}`;
    const failed = async () => {
      await Promise.all([kv.increment(accountKey, limits.windowSeconds), kv.increment(addressKey, limits.windowSeconds)]);
      deps.log.info({ journalId: adapter.journalId }, 'school login failed');
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = schoolLoginPage(loaded.details.uid, loaded.state.csrf, loaded.clientName, SCHOOL_LOGIN_FAILED);
    };
    const [byAccount, byAddress] = await Promise.all([kv.get(accountKey), kv.get(addressKey)]);
    if (Number(byAccount ?? 0) >= limits.maxFailuresPerAccount || Number(byAddress ?? 0) >= limits.maxFailuresPerAddress) {
      return failed();
    }
    let account: JournalAccount | undefined;
    try {
      account = login && password ? await adapter.verifyPassword(login, password) : undefined;
    } catch (err) {
      if (!isAdapterError(err)) throw err;
      deps.log.warn({ err: describe(err) }, 'journal unavailable during school login');
      return refuse(ctx, loaded.details.uid, loaded.state, UNAVAILABLE.journal);
    }
    if (!account) return failed();
    await kv.delete(accountKey);
    await completeLogin(ctx, loaded.details.uid, loaded.state, account, { bound: true, acr: 'school-password', amr: ['pwd'] });
  });

  router.post('/interaction/:uid/link', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded || !csrfOk(ctx, loaded.state)) return;
    const { state, details, journalId } = loaded;
    const adapter = journalId ? deps.adapters.get(journalId) : undefined;
    if (!state.person || !state.role || !state.manualLink || !adapter || !hasPasswordCheck(adapter)) return showExpired(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    const login = typeof body.login === 'string' ? body.login.trim().toLowerCase().slice(0, 200) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 200) : '';
    const limits = config.linking;
    const keys = [
      [`rl:link:account:${adapter.journalId}:${login}`, limits.maxFailuresPerAccount],
      [`rl:link:person:${state.person.oid}`, limits.maxFailuresPerPerson],
      [`rl:link:address:${ctx.ip}`, limits.maxFailuresPerAddress],
    ] as const;
    const counts = await Promise.all(keys.map(([key]) => kv.get(key)));
    const failed = async (reason: string) => {
      const after = await Promise.all(keys.map(([key]) => kv.increment(key, limits.windowSeconds)));
      await deps.audit({ action: 'link_attempt', outcome: 'refused', reason, esiaOid: state.person!.oid, journalId: adapter.journalId, method: 'manual-password' });
      // Growing delays: each failure of this person waits longer before the answer (at most 5 s).
      await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(after[1]! - 1, 6))));
      ctx.status = 401;
      ctx.type = 'html';
      ctx.body = manualLinkPage(details.uid, state.csrf, loaded.clientName, state.manualLink!, SCHOOL_LOGIN_FAILED);
    };
    if (counts.some((c, i) => Number(c ?? 0) >= keys[i]![1])) return failed('locked');
    let account: JournalAccount | undefined;
    try {
      account = login && password ? await adapter.verifyPassword(login, password) : undefined;
    } catch (err) {
      if (!isAdapterError(err)) throw err;
      return refuse(ctx, details.uid, state, UNAVAILABLE.journal);
    }
    if (!account) return failed('wrong_credentials');
    if (account.role !== state.role) return failed('other_role');
    const linked = await deps.recordLink({ person: state.person, account, method: 'manual-password', evidence: ['school_password'], address: ctx.ip });
    if (!linked.ok) return refuse(ctx, details.uid, state, CONFLICT);
    await kv.delete(keys[0]![0]);
    await finishLogin(ctx, details.uid, state, account, true);
  });

  router.post('/interaction/:uid/abort', async (ctx) => {
    const loaded = await load(ctx, ctx.params.uid);
    if (!loaded || !csrfOk(ctx, loaded.state)) return;
    const refusal = loaded.state.refusal ?? { error: 'access_denied', description: 'login_cancelled' };
    await kv.delete(stateKey(loaded.details.uid));
    deps.metrics?.login('aborted', refusal.description);
    await finishWith(ctx, { error: refusal.error, error_description: refusal.description });
  });
}

function showExpired(ctx: Context, text: { title: string; text: string } = EXPIRED): void {
  ctx.status = 400;
  ctx.type = 'html';
  ctx.body = errorPage(text.title, text.text);
}

/** Error details for logs: code and message, never request data. */
export function describe(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code, message: err.message };
  return { value: String(err) };
}
