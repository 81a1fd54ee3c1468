/**
 * `/aas/oauth2/ac` (v1) and `/aas/oauth2/v2/ac`: checks the request as ESIA does, then the login and
 * consent pages, then `302 redirect_uri?code=…&state=…`. Errors go back to the system as
 * `?error=…&error_description=ESIA-0070xx: …&state=…` when its redirect address may be trusted, and
 * to an error page when not.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { MockEsiaDeps, PendingAuthorization, RegisteredClient, SessionRecord } from '../deps.ts';
import { EsiaProtocolError } from '../errors.ts';
import { applyEndpointFaults } from '../faults.ts';
import { checkScopes, checkState, checkTimestamp, isOnRegisteredDomain, requireParams, singleParams, type Params } from '../params.ts';
import { v1String, v2AuthorizationString, verifyCmsClientSecret, verifyRawClientSecret } from '../secret.ts';
import { codeClaims, CODE_HEADER, signJwt, type TokenSubject } from '../tokens.ts';
import { consentPage, errorPage, loginPage } from '../views/pages.ts';
import type { Persona } from '../../fixtures/personas.ts';

const PENDING_TTL_SECONDS = 30 * 60;
const SESSION_TTL_SECONDS = 8 * 3600;
export const SSO_COOKIE = 'esia_sso';

const V2_MANDATORY = ['client_id', 'client_secret', 'redirect_uri', 'scope', 'response_type', 'state', 'timestamp', 'client_certificate_hash'];
const V1_MANDATORY = ['client_id', 'client_secret', 'redirect_uri', 'scope', 'response_type', 'state', 'timestamp'];

/** Appends parameters to a redirect address, keeping its own query. */
export function withParams(url: string, params: Record<string, string | undefined>): string {
  const target = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.append(k, v);
  return target.toString();
}

function showError(ctx: Context, err: EsiaProtocolError, status = 400): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = errorPage(err.description);
}

export function registerAuthorizeRoutes(router: Router, deps: MockEsiaDeps): void {
  const faults = applyEndpointFaults(deps.faults, 'ac', (ctx) => {
    const { client_id: clientId, redirect_uri: redirectUri } = ctx.query;
    const client = typeof clientId === 'string' ? deps.clients.get(clientId) : undefined;
    return client && typeof redirectUri === 'string' && isOnRegisteredDomain(redirectUri, client.config.domains) ? redirectUri : undefined;
  });
  router.get('/aas/oauth2/v2/ac', faults, (ctx) => authorize(ctx, deps, 2));
  router.get('/aas/oauth2/ac', faults, (ctx) => authorize(ctx, deps, 1));
  router.get('/login', (ctx) => showLogin(ctx, deps));
  router.post('/login', (ctx) => submitLogin(ctx, deps));
  router.get('/consent', (ctx) => showConsent(ctx, deps));
  router.post('/consent', (ctx) => submitConsent(ctx, deps));
}

function authorize(ctx: Context, deps: MockEsiaDeps, version: 1 | 2): void {
  const { params, duplicates } = singleParams(ctx.query as Record<string, unknown>);
  const client = params.client_id ? deps.clients.get(params.client_id) : undefined;
  const redirectUri = params.redirect_uri;
  if (!params.client_id) return showError(ctx, new EsiaProtocolError('ESIA-007014', 'client_id'));
  if (!client) return showError(ctx, new EsiaProtocolError('ESIA-007002'));
  if (!redirectUri) return showError(ctx, new EsiaProtocolError('ESIA-007014', 'redirect_uri'));
  if (duplicates.includes('redirect_uri') || duplicates.includes('client_id')) {
    return showError(ctx, new EsiaProtocolError('ESIA-007003'));
  }
  if (!isOnRegisteredDomain(redirectUri, client.config.domains)) {
    return showError(ctx, new EsiaProtocolError('ESIA-007023'));
  }
  try {
    const pending = checkAuthorizationRequest(params, duplicates, client, deps, version);
    deps.state.pending.set(pending.id, pending, PENDING_TTL_SECONDS);
    const session = currentSession(ctx, deps);
    if (session) return continueAfterLogin(ctx, deps, pending, session);
    ctx.redirect(`/login?req=${pending.id}`);
  } catch (err) {
    if (!(err instanceof EsiaProtocolError)) throw err;
    ctx.redirect(withParams(redirectUri, { error: err.error, error_description: err.description, state: params.state }));
  }
}

function checkAuthorizationRequest(
  params: Params,
  duplicates: readonly string[],
  client: RegisteredClient,
  deps: MockEsiaDeps,
  version: 1 | 2,
): PendingAuthorization {
  if (duplicates.length) throw new EsiaProtocolError('ESIA-007003');
  requireParams(params, version === 2 ? V2_MANDATORY : V1_MANDATORY);
  const p = params as Record<string, string>;
  if (p.response_type !== 'code') throw new EsiaProtocolError('ESIA-007003');
  checkState(p.state!);
  checkTimestamp(p.timestamp!, deps.clock.now(), deps.timestampWindowSeconds);
  const scopes = checkScopes(p.scope, client.config);
  const accessType = params.access_type ?? 'online';
  if (accessType !== 'online' && accessType !== 'offline') throw new EsiaProtocolError('ESIA-007003');
  if (version === 2) {
    const signed = v2AuthorizationString({
      clientId: p.client_id!,
      scope: p.scope!,
      scopeOrg: params.scope_org,
      timestamp: p.timestamp!,
      state: p.state!,
      redirectUri: p.redirect_uri!,
    });
    verifyRawClientSecret(p.client_secret!, signed, p.client_certificate_hash!, client.certificates);
  } else {
    const signed = v1String({ scope: p.scope!, timestamp: p.timestamp!, clientId: p.client_id!, state: p.state! });
    verifyCmsClientSecret(p.client_secret!, signed, client.certificates);
  }
  let codeChallenge: string | undefined;
  if (params.code_challenge !== undefined) {
    if (version !== 2) throw new EsiaProtocolError('ESIA-007003');
    const method = params.code_challenge_method ?? client.config.variants.pkceMethod;
    if (method !== client.config.variants.pkceMethod || !/^[A-Za-z0-9_-]{43,128}$/.test(params.code_challenge)) {
      throw new EsiaProtocolError('ESIA-007003');
    }
    codeChallenge = params.code_challenge;
  }
  return {
    id: randomBytes(18).toString('base64url'),
    version,
    clientId: client.config.mnemonic,
    redirectUri: p.redirect_uri!,
    scopes,
    state: p.state!,
    accessType,
    codeChallenge,
  };
}

function currentSession(ctx: Context, deps: MockEsiaDeps): SessionRecord | undefined {
  const id = ctx.cookies.get(SSO_COOKIE);
  return id ? deps.state.sessions.get(id) : undefined;
}

function pendingFrom(ctx: Context, deps: MockEsiaDeps, value: unknown): PendingAuthorization | undefined {
  const pending = typeof value === 'string' ? deps.state.pending.get(value) : undefined;
  if (!pending) {
    ctx.status = 400;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = errorPage('Запрос на вход устарел или уже использован. Начните вход заново на сайте системы.');
  }
  return pending;
}

function showLogin(ctx: Context, deps: MockEsiaDeps): void {
  const pending = pendingFrom(ctx, deps, ctx.query.req);
  if (!pending) return;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = loginPage(pending.id, pending.clientId, deps.personas.people);
}

function submitLogin(ctx: Context, deps: MockEsiaDeps): void {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const pending = pendingFrom(ctx, deps, body.req);
  if (!pending) return;
  const person = findPerson(deps, body);
  if (!person) {
    ctx.status = 401;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loginPage(pending.id, pending.clientId, deps.personas.people, 'Неверный логин или пароль.');
    return;
  }
  const session: SessionRecord = {
    oid: person.esia.oid,
    sid: randomUUID(),
    authTime: Math.floor(deps.clock.now().getTime() / 1000),
  };
  const sessionId = randomBytes(24).toString('base64url');
  deps.state.sessions.set(sessionId, session, SESSION_TTL_SECONDS);
  ctx.cookies.set(SSO_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: '/',
    overwrite: true,
  });
  continueAfterLogin(ctx, deps, pending, session);
}

function findPerson(deps: MockEsiaDeps, body: Record<string, unknown>): Persona | undefined {
  if (typeof body.persona === 'string') return deps.personas.people.find((p) => p.key === body.persona);
  if (typeof body.login !== 'string' || typeof body.password !== 'string') return undefined;
  const login = body.login.trim().toLowerCase();
  const digits = login.replace(/\D/g, '');
  return deps.personas.people.find((p) => {
    const e = p.esia;
    const matches =
      e.login.toLowerCase() === login ||
      e.email?.toLowerCase() === login ||
      (digits.length >= 10 && (e.mobile?.replace(/\D/g, '') === digits || e.snils?.replace(/\D/g, '') === digits));
    return matches && e.password === body.password;
  });
}

function continueAfterLogin(ctx: Context, deps: MockEsiaDeps, pending: PendingAuthorization, session: SessionRecord): void {
  const allowed = deps.state.consents.get(`${session.oid}:${pending.clientId}`);
  if (allowed && pending.scopes.every((s) => allowed.has(s))) return finish(ctx, deps, pending, session);
  ctx.redirect(`/consent?req=${pending.id}`);
}

function showConsent(ctx: Context, deps: MockEsiaDeps): void {
  const pending = pendingFrom(ctx, deps, ctx.query.req);
  if (!pending) return;
  const session = currentSession(ctx, deps);
  if (!session) return ctx.redirect(`/login?req=${pending.id}`);
  const person = deps.people.get(session.oid)!;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = consentPage(pending.id, pending.clientId, `${person.esia.firstName} ${person.esia.lastName}`, pending.scopes);
}

function submitConsent(ctx: Context, deps: MockEsiaDeps): void {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const pending = pendingFrom(ctx, deps, body.req);
  if (!pending) return;
  const session = currentSession(ctx, deps);
  if (!session) return ctx.redirect(`/login?req=${pending.id}`);
  if (body.decision !== 'allow') {
    deps.state.pending.delete(pending.id);
    const err = new EsiaProtocolError('ESIA-007004');
    return ctx.redirect(withParams(pending.redirectUri, { error: err.error, error_description: err.description, state: pending.state }));
  }
  const key = `${session.oid}:${pending.clientId}`;
  deps.state.consents.set(key, new Set([...(deps.state.consents.get(key) ?? []), ...pending.scopes]));
  finish(ctx, deps, pending, session);
}

/** The person as the tokens describe them. */
export function subjectFor(person: Persona, session: SessionRecord): TokenSubject {
  const confirmed = person.esia.level === 'confirmed';
  return {
    oid: person.esia.oid,
    confirmed,
    lvl: person.esia.accountKind === 'child' ? 'KD' : confirmed ? 'PR' : 'P',
    sid: session.sid,
    authTime: session.authTime,
    amr: 'PWD',
  };
}

function finish(ctx: Context, deps: MockEsiaDeps, pending: PendingAuthorization, session: SessionRecord): void {
  deps.state.pending.delete(pending.id);
  const client = deps.clients.get(pending.clientId)!;
  const person = deps.people.get(session.oid)!;
  if (client.config.refuseUnconfirmed && person.esia.level !== 'confirmed') {
    const err = new EsiaProtocolError('ESIA-007055');
    return ctx.redirect(withParams(pending.redirectUri, { error: err.error, error_description: err.description, state: pending.state }));
  }
  const subject = subjectFor(person, session);
  const now = Math.floor(deps.clock.now().getTime() / 1000);
  const ttl = client.config.codeTtlSeconds;
  const code = signJwt(
    CODE_HEADER,
    codeClaims({ iss: deps.iss, clientId: pending.clientId, now }, subject, pending.scopes, ttl),
    deps.keys.current(client.config.tokenAlg),
  );
  deps.state.codes.set(
    code,
    {
      version: pending.version,
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      scopes: pending.scopes,
      authorizationState: pending.state,
      accessType: pending.accessType,
      codeChallenge: pending.codeChallenge,
      subject,
    },
    ttl,
  );
  ctx.redirect(withParams(pending.redirectUri, { code, state: pending.state }));
}
