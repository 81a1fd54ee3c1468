/**
 * TokenVerifier: checks ESIA's tokens against pinned ESIA certificates. RS256 and GOST3410_2012_256,
 * several certificates per algorithm at once (so a rotation breaks nothing), then the exact `iss`,
 * the audience (`client_id` in access tokens, `aud` in id tokens), `nbf` / `exp` with a configurable
 * skew, and `sbt`. A token that fails any check is refused with ERR_ESIA_TOKEN_INVALID and the reason.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { parseCertificate, verify as gostVerify, type GostPublicKey } from '../../gost/index.ts';
import { EsiaError } from './errors.ts';
import { parseFast } from '../../core/fast-parse.ts';
import { isAccessClaims, isBaseClaims, isIdClaims, isJwtHeader } from './fast-shapes.ts';

export type EsiaTokenAlg = 'RS256' | 'GOST3410_2012_256';
export type TokenKind = 'access' | 'id' | 'authorization_code';

type PinnedKey = { alg: 'RS256'; key: KeyObject } | { alg: 'GOST3410_2012_256'; key: GostPublicKey };

export const headerSchema = z
  .object({
    alg: z.string(),
    typ: z.string().optional(),
    sbt: z.string().optional(),
    ver: z.union([z.number(), z.string()]).optional(),
  });

const numericDate = z.number().int().nonnegative();
const positiveOid = z.number().int().positive();
/** ESIA writes oids as numbers; a numeric string is read the same way, within the same bounds. */
const oidSchema = z.union([positiveOid, z.string().regex(/^\d{1,19}$/).transform(Number).pipe(positiveOid)]);

export const baseClaims = z
  .object({ iss: z.string(), exp: numericDate, nbf: numericDate.optional(), iat: numericDate.optional() });

export const accessClaimsSchema = baseClaims.extend({
  client_id: z.string(),
  scope: z.string().optional(),
  'urn:esia:sbj_id': oidSchema,
  'urn:esia:sid': z.string().optional(),
});

const subjectSchema = z
  .object({
    'urn:esia:sbj:typ': z.string().optional(),
    'urn:esia:sbj:is_tru': z.boolean().optional(),
    'urn:esia:sbj:oid': oidSchema.optional(),
    'urn:esia:sbj:nam': z.string().optional(),
    'urn:esia:sbj:lvl': z.string().optional(),
  });

export const idClaimsSchema = baseClaims.extend({
  aud: z.union([z.string(), z.array(z.string())]),
  sub: oidSchema,
  amr: z.union([z.string(), z.array(z.string())]).optional(),
  'urn:esia:amd': z.union([z.string(), z.array(z.string())]).optional(),
  auth_time: numericDate.optional(),
  'urn:esia:sid': z.string().optional(),
  'urn:esia:sbj': subjectSchema.optional(),
});

/** A verified access token. */
export interface VerifiedAccessToken {
  readonly oid: number;
  readonly clientId: string;
  /** Granted scopes with the `?oid=` suffixes removed. */
  readonly scopes: readonly string[];
  readonly sid?: string;
  readonly expiresAt: Date;
  readonly alg: EsiaTokenAlg;
}

/** A verified id token. */
export interface VerifiedIdToken {
  readonly oid: number;
  /** `urn:esia:sbj:is_tru`: present (true) only for confirmed accounts. */
  readonly trusted: boolean;
  /** `urn:esia:sbj:lvl` when the token has it: `PR` confirmed, `P` simplified or standard, `KD` child. */
  readonly lvl?: string;
  /** How the person authenticated (`PWD`, `DS`, …). */
  readonly amr: readonly string[];
  readonly authTime?: Date;
  readonly sid?: string;
  readonly expiresAt: Date;
  readonly alg: EsiaTokenAlg;
}

export interface TokenVerifierOptions {
  /** ESIA's certificates (PEM), RSA and GOST, several at once during rotations. */
  pinnedCertificates: readonly string[];
  /** The exact `iss`, e.g. `http://esia.gosuslugi.ru/`. */
  issuer: string;
  /** Our mnemonic: `client_id` of access tokens, `aud` of id tokens. */
  clientId: string;
  /** Allowed clock difference, seconds (default 60). */
  clockSkewSeconds?: number;
  /** Algorithms accepted (default both). */
  algorithms?: readonly EsiaTokenAlg[];
  clock?: () => Date;
}

export interface TokenVerifier {
  verifyAccessToken(token: string): VerifiedAccessToken;
  verifyIdToken(token: string): VerifiedIdToken;
}

function invalid(reason: string, cause?: unknown): EsiaError {
  return new EsiaError('ERR_ESIA_TOKEN_INVALID', `ESIA token refused: ${reason}`, { cause: cause ?? reason });
}

function pin(pem: string): PinnedKey {
  const cert = parseCertificate(pem);
  if (cert.publicKey.kind === 'gost') return { alg: 'GOST3410_2012_256', key: cert.publicKey.key };
  return { alg: 'RS256', key: createPublicKey(cert.publicKey.key.export({ format: 'pem', type: 'spki' })) };
}

function decodeJson(part: string, what: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw invalid(`${what} is not base64url`);
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid(`${what} is not JSON`, err);
  }
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const keys = options.pinnedCertificates.map(pin);
  if (!keys.length) throw new Error('TokenVerifier needs at least one pinned ESIA certificate');
  const algorithms = new Set(options.algorithms ?? ['RS256', 'GOST3410_2012_256']);
  const skew = options.clockSkewSeconds ?? 60;
  const clock = options.clock ?? (() => new Date());

  function checkSignatureAndTimes(token: string, kind: TokenKind): { header: z.infer<typeof headerSchema>; claims: unknown } {
    if (typeof token !== 'string' || token.length > 16_384) throw invalid('not a token');
    const parts = token.split('.');
    if (parts.length !== 3) throw invalid('not a compact JWS');
    const header = parseFast(headerSchema, isJwtHeader, decodeJson(parts[0]!, 'header'));
    if (!header.success) throw invalid('malformed header', header.error);
    const alg = header.data.alg;
    if (alg !== 'RS256' && alg !== 'GOST3410_2012_256') throw invalid(`algorithm ${alg} is not allowed`);
    if (!algorithms.has(alg)) throw invalid(`algorithm ${alg} is not allowed`);
    if (header.data.sbt !== kind) throw invalid(`expected a ${kind} token, got ${header.data.sbt ?? 'no sbt'}`);
    if (!/^[A-Za-z0-9_-]+$/.test(parts[2]!)) throw invalid('signature is not base64url');
    const data = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
    const signature = Buffer.from(parts[2]!, 'base64url');
    const ok = keys.some((k) =>
      k.alg !== alg
        ? false
        : k.alg === 'RS256'
          ? nodeVerify('sha256', data, k.key, signature)
          : signature.length === 64 && gostVerify(k.key, data, signature),
    );
    if (!ok) throw invalid('signature does not verify with any pinned ESIA certificate');
    const claims = decodeJson(parts[1]!, 'payload');
    const base = parseFast(baseClaims, isBaseClaims, claims);
    if (!base.success) throw invalid('malformed claims', base.error);
    if (base.data.iss !== options.issuer) throw invalid(`issuer ${base.data.iss} is not ${options.issuer}`);
    const now = Math.floor(clock().getTime() / 1000);
    if (base.data.exp + skew <= now) throw invalid('expired');
    if (base.data.nbf !== undefined && base.data.nbf - skew > now) throw invalid('not yet valid');
    if (base.data.iat !== undefined && base.data.iat - skew > now) throw invalid('issued in the future');
    return { header: header.data, claims };
  }

  return {
    verifyAccessToken(token) {
      const { header, claims } = checkSignatureAndTimes(token, 'access');
      const parsed = parseFast(accessClaimsSchema, isAccessClaims, claims);
      if (!parsed.success) throw invalid('malformed access token claims', parsed.error);
      const c = parsed.data;
      if (c.client_id !== options.clientId) throw invalid(`issued to ${c.client_id}, not to us`);
      return {
        oid: c['urn:esia:sbj_id'],
        clientId: c.client_id,
        scopes: (c.scope ?? '').split(' ').filter(Boolean).map((s) => s.replace(/\?.*$/, '')),
        sid: c['urn:esia:sid'],
        expiresAt: new Date(c.exp * 1000),
        alg: header.alg as EsiaTokenAlg,
      };
    },
    verifyIdToken(token) {
      const { header, claims } = checkSignatureAndTimes(token, 'id');
      const parsed = parseFast(idClaimsSchema, isIdClaims, claims);
      if (!parsed.success) throw invalid('malformed id token claims', parsed.error);
      const c = parsed.data;
      const audiences = Array.isArray(c.aud) ? c.aud : [c.aud];
      if (!audiences.includes(options.clientId)) throw invalid('audience is not us');
      const sbj = c['urn:esia:sbj'];
      if (sbj?.['urn:esia:sbj:oid'] !== undefined && sbj['urn:esia:sbj:oid'] !== c.sub) throw invalid('subject oids differ');
      const amr = c.amr ?? c['urn:esia:amd'] ?? [];
      return {
        oid: c.sub,
        trusted: sbj?.['urn:esia:sbj:is_tru'] === true,
        lvl: sbj?.['urn:esia:sbj:lvl'],
        amr: Array.isArray(amr) ? amr : [amr],
        authTime: c.auth_time !== undefined ? new Date(c.auth_time * 1000) : undefined,
        sid: c['urn:esia:sid'],
        expiresAt: new Date(c.exp * 1000),
        alg: header.alg as EsiaTokenAlg,
      };
    },
  };
}
