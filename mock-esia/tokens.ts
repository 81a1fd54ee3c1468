/**
 * The tokens mock-esia issues, shaped as ESIA's: JWS compact with `ver`/`typ`/`sbt`/`alg` headers and
 * no `kid`, numeric subject ids, scopes carrying `?oid=`, `is_tru` only for confirmed accounts.
 */
import { randomUUID } from 'node:crypto';
import type { SigningKey } from './keys.ts';

/** base64url without padding. */
export function base64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Signs a compact JWS with `key`; the header's `alg` is the key's. */
export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: SigningKey): string {
  const signingInput = `${base64url(JSON.stringify({ ...header, alg: key.alg }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(key.sign(Buffer.from(signingInput, 'ascii')))}`;
}

/** What the mock knows about the person and the login when it issues tokens. */
export interface TokenSubject {
  oid: number;
  confirmed: boolean;
  /** `PR` confirmed, `P` simplified or standard, `KD` a child's account. */
  lvl: 'PR' | 'P' | 'KD';
  /** ESIA session id shared by the tokens of one login. */
  sid: string;
  authTime: number;
  amr: 'PWD' | 'DS';
}

export interface IssueContext {
  iss: string;
  clientId: string;
  now: number; // unix seconds
}

/** The `scope` claim: personal scopes carry `?oid=<oid>`, `openid` does not. */
export function scopeClaim(scopes: readonly string[], oid: number): string {
  return scopes.map((s) => (s === 'openid' ? s : `${s}?oid=${oid}`)).join(' ');
}

export function accessTokenClaims(
  ctx: IssueContext,
  subject: TokenSubject,
  scopes: readonly string[],
  ttlSeconds: number,
): Record<string, unknown> {
  return {
    nbf: ctx.now,
    scope: scopeClaim(scopes, subject.oid),
    iss: ctx.iss,
    'urn:esia:sid': subject.sid,
    'urn:esia:sbj_id': subject.oid,
    exp: ctx.now + ttlSeconds,
    iat: ctx.now,
    client_id: ctx.clientId,
  };
}

export function idTokenClaims(
  ctx: IssueContext,
  subject: TokenSubject,
  ttlSeconds: number,
  options: { levelClaim: boolean; amrAs: 'string' | 'array' },
): Record<string, unknown> {
  const sbj: Record<string, unknown> = { 'urn:esia:sbj:typ': 'P' };
  if (subject.confirmed) sbj['urn:esia:sbj:is_tru'] = true;
  sbj['urn:esia:sbj:oid'] = subject.oid;
  sbj['urn:esia:sbj:nam'] = `OID.${subject.oid}`;
  if (options.levelClaim) sbj['urn:esia:sbj:lvl'] = subject.lvl;
  return {
    aud: ctx.clientId,
    sub: subject.oid,
    nbf: ctx.now,
    amr: options.amrAs === 'array' ? [subject.amr] : subject.amr,
    'urn:esia:amd': subject.amr,
    auth_time: subject.authTime,
    iss: ctx.iss,
    'urn:esia:sid': subject.sid,
    'urn:esia:sbj': sbj,
    exp: ctx.now + ttlSeconds,
    iat: ctx.now,
  };
}

export function codeClaims(ctx: IssueContext, subject: TokenSubject, scopes: readonly string[], ttlSeconds: number) {
  return {
    nbf: ctx.now,
    scope: scopeClaim(scopes, subject.oid),
    auth_time: subject.authTime,
    iss: ctx.iss,
    'urn:esia:sid': subject.sid,
    'urn:esia:sbj_id': subject.oid,
    exp: ctx.now + ttlSeconds,
    iat: ctx.now,
    client_id: ctx.clientId,
    'urn:esia:code_id': randomUUID(),
  };
}

export const ACCESS_HEADER = { ver: 1, typ: 'JWT', sbt: 'access' } as const;
export const ID_HEADER = { ver: 0, typ: 'JWT', sbt: 'id' } as const;
export const CODE_HEADER = { ver: 0, typ: 'JWT', sbt: 'authorization_code' } as const;
