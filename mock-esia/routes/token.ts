/**
 * `/aas/oauth2/v3/te` and `/aas/oauth2/te`: authorization_code, refresh_token and (v3)
 * client_credentials grants, form bodies only. Errors are HTTP 400 JSON
 * `{"error":…,"error_description":"ESIA-0070xx: …"}`. Codes are single use; refresh tokens rotate;
 * the request's `state` must be a new UUID, returned in the response.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { MockEsiaDeps, RegisteredClient } from '../deps.ts';
import { EsiaProtocolError } from '../errors.ts';
import { applyEndpointFaults } from '../faults.ts';
import { checkScopes, checkState, checkTimestamp, requireParams, singleParams, type Params } from '../params.ts';
import { v1String, v2AuthorizationString, verifyCmsClientSecret, verifyRawClientSecret } from '../secret.ts';
import { accessTokenClaims, ACCESS_HEADER, idTokenClaims, ID_HEADER, signJwt, type TokenSubject } from '../tokens.ts';
import { crc32 } from '../zip.ts';
import { generateSigningKey, type SigningKey, type TokenAlg } from '../keys.ts';

const USED_STATE_TTL_SECONDS = 24 * 3600;

/** The grant's outcome before tokens are minted. */
interface Grant {
  client: RegisteredClient;
  scopes: readonly string[];
  subject?: TokenSubject;
  redirectUri?: string;
  offline: boolean;
}

export function registerTokenRoutes(router: Router, deps: MockEsiaDeps): void {
  const faults = applyEndpointFaults(deps.faults, 'te');
  router.post('/aas/oauth2/v3/te', faults, (ctx) => token(ctx, deps, 3));
  router.post('/aas/oauth2/te', faults, (ctx) => token(ctx, deps, 1));
}

function token(ctx: Context, deps: MockEsiaDeps, version: 1 | 3): void {
  ctx.set('Cache-Control', 'no-store');
  try {
    const form = ctx.request.is('application/x-www-form-urlencoded') ? ctx.request.body : {};
    const { params, duplicates } = singleParams((form ?? {}) as Record<string, unknown>);
    if (duplicates.length) throw new EsiaProtocolError('ESIA-007003');
    const grant = runGrant(params, deps, version);
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = mintTokens(deps, grant, params.state!);
  } catch (err) {
    if (!(err instanceof EsiaProtocolError)) throw err;
    ctx.status = 400;
    ctx.type = 'application/json';
    ctx.body = { error: err.error, error_description: err.description };
  }
}

function mandatory(grantType: string | undefined, version: 1 | 3): string[] {
  const common = ['client_id', 'grant_type', 'client_secret', 'state', 'scope', 'timestamp', 'token_type'];
  const cert = version === 3 ? ['client_certificate_hash'] : [];
  if (grantType === 'refresh_token') return [...common, 'refresh_token', 'redirect_uri', ...cert];
  if (grantType === 'client_credentials') return [...common, ...cert];
  return ['client_id', 'code', 'grant_type', 'client_secret', 'state', 'redirect_uri', 'scope', 'timestamp', 'token_type', ...cert];
}

function runGrant(params: Params, deps: MockEsiaDeps, version: 1 | 3): Grant {
  requireParams(params, mandatory(params.grant_type, version));
  const p = params as Record<string, string>;
  const grantType = p.grant_type!;
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new EsiaProtocolError('ESIA-007012');
  }
  if (grantType === 'client_credentials' && version === 1) throw new EsiaProtocolError('ESIA-007012');
  const client = deps.clients.get(p.client_id!);
  if (!client) throw new EsiaProtocolError('ESIA-007002');
  if (grantType === 'client_credentials' && !client.config.clientCredentials) throw new EsiaProtocolError('ESIA-007005');
  if (p.token_type !== 'Bearer') throw new EsiaProtocolError('ESIA-007003');
  checkState(p.state!);
  if (deps.state.usedStates.get(p.state!)) throw new EsiaProtocolError('ESIA-007003');
  checkTimestamp(p.timestamp!, deps.clock.now(), deps.timestampWindowSeconds);
  const scopes = checkScopes(p.scope, client.config);
  verifySecret(p, client, version, grantType);
  deps.state.usedStates.set(p.state!, true, USED_STATE_TTL_SECONDS);

  if (grantType === 'client_credentials') return { client, scopes, offline: false };
  if (grantType === 'refresh_token') {
    const record = deps.state.refreshTokens.take(p.refresh_token!);
    if (!record || record.clientId !== client.config.mnemonic) throw new EsiaProtocolError('ESIA-007011');
    if (!scopes.every((s) => record.scopes.includes(s))) throw new EsiaProtocolError('ESIA-007011');
    return { client, scopes, subject: record.subject, redirectUri: record.redirectUri, offline: true };
  }
  const code = deps.state.codes.take(p.code!);
  if (
    !code ||
    code.clientId !== client.config.mnemonic ||
    code.redirectUri !== p.redirect_uri ||
    (version === 3) !== (code.version === 2)
  ) {
    throw new EsiaProtocolError('ESIA-007011');
  }
  if (p.state === code.authorizationState) throw new EsiaProtocolError('ESIA-007003');
  if (!scopes.every((s) => code.scopes.includes(s))) throw new EsiaProtocolError('ESIA-007011');
  if (code.codeChallenge !== undefined && !pkceMatches(params.code_verifier, code.codeChallenge)) {
    throw new EsiaProtocolError('ESIA-007011');
  }
  return { client, scopes: code.scopes, subject: code.subject, redirectUri: code.redirectUri, offline: code.accessType === 'offline' };
}

function pkceMatches(verifier: string | undefined, challenge: string): boolean {
  if (!verifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function verifySecret(p: Record<string, string>, client: RegisteredClient, version: 1 | 3, grantType: string): void {
  if (version === 1) {
    const signed = v1String({ scope: p.scope!, timestamp: p.timestamp!, clientId: p.client_id!, state: p.state! });
    return verifyCmsClientSecret(p.client_secret!, signed, client.certificates);
  }
  let signed: string;
  if (grantType === 'authorization_code') {
    signed = v2AuthorizationString({ clientId: p.client_id!, scope: p.scope!, timestamp: p.timestamp!, state: p.state!, redirectUri: p.redirect_uri! }) + p.code!;
  } else if (grantType === 'refresh_token') {
    const tail = client.config.variants.refreshSecret === 'refresh_token' ? p.refresh_token! : p.redirect_uri!;
    signed = p.client_id! + p.scope! + p.timestamp! + p.state! + tail;
  } else {
    signed = p.client_id! + p.scope! + p.timestamp! + p.state!;
  }
  verifyRawClientSecret(p.client_secret!, signed, p.client_certificate_hash!, client.certificates);
}

/** The key tokens are signed with; a fault may swap in an unpublished one. */
function tokenKey(deps: MockEsiaDeps, alg: TokenAlg): SigningKey {
  if (!deps.faults.settings.tokens.rotatedKey) return deps.keys.current(alg);
  let keys = unpublished.get(deps);
  if (!keys) unpublished.set(deps, (keys = {}));
  keys[alg] ??= generateSigningKey(alg, deps.clock.now(), 'ЕСИА (mock, не опубликован)');
  return keys[alg];
}
const unpublished = new WeakMap<MockEsiaDeps, Partial<Record<TokenAlg, SigningKey>>>();

/** A stable numeric oid for a system itself (client_credentials tokens name the system). */
export function systemOid(mnemonic: string): number {
  return 1_100_000_000 + (crc32(Buffer.from(mnemonic, 'utf8')) % 100_000_000);
}

function corrupt(token: string): string {
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  sig[0]! ^= 0x01;
  return `${token.slice(0, dot + 1)}${sig.toString('base64url')}`;
}

function mintTokens(deps: MockEsiaDeps, grant: Grant, state: string): Record<string, unknown> {
  const config = grant.client.config;
  const faults = deps.faults.settings.tokens;
  const realNow = Math.floor(deps.clock.now().getTime() / 1000);
  const now = faults.expired ? realNow - 2 * config.accessTokenTtlSeconds : realNow;
  const key = tokenKey(deps, config.tokenAlg);
  const ctx = { iss: deps.iss, clientId: config.mnemonic, now };
  const subject: TokenSubject = grant.subject ?? {
    oid: systemOid(config.mnemonic),
    confirmed: false,
    lvl: 'P',
    sid: randomUUID(),
    authTime: realNow,
    amr: 'PWD',
  };
  const sign = (header: Record<string, unknown>, claims: Record<string, unknown>): string => {
    const jwt = signJwt(header, claims, key);
    return faults.badSignature ? corrupt(jwt) : jwt;
  };
  const accessToken = sign(ACCESS_HEADER, accessTokenClaims(ctx, subject, grant.scopes, config.accessTokenTtlSeconds));
  if (!faults.expired) {
    deps.state.accessTokens.set(
      accessToken,
      { oid: subject.oid, clientId: config.mnemonic, scopes: grant.scopes },
      config.accessTokenTtlSeconds,
    );
  }
  const body: Record<string, unknown> = { access_token: accessToken };
  if (grant.subject && grant.scopes.includes('openid')) {
    body.id_token = sign(ID_HEADER, idTokenClaims(ctx, subject, config.accessTokenTtlSeconds, config.variants));
  }
  if (grant.subject && grant.offline) {
    const refreshToken = randomUUID();
    deps.state.refreshTokens.set(
      refreshToken,
      { clientId: config.mnemonic, redirectUri: grant.redirectUri ?? '', scopes: grant.scopes, subject: grant.subject },
      config.refreshTokenTtlSeconds,
    );
    body.refresh_token = refreshToken;
  }
  body.state = state;
  body.token_type = 'Bearer';
  body.expires_in = config.variants.expiresInAs === 'string' ? String(config.accessTokenTtlSeconds) : config.accessTokenTtlSeconds;
  return body;
}
