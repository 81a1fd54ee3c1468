/**
 * Admin API authentication: `Authorization: Bearer <token>` against the configured tokens. Both sides
 * are compared as SHA-256 digests with `timingSafeEqual`, every configured token is checked (no early
 * exit), so neither the token's length nor which token nearly matched shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminTokenConfig } from '../../config/broker.ts';

export type AdminScope = 'read' | 'write';

/** Who called: the token's name (the audit actor) and its scopes. */
export interface AdminPrincipal {
  readonly name: string;
  readonly scopes: readonly AdminScope[];
}

interface KnownToken extends AdminPrincipal {
  readonly digest: Buffer;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** A verifier over the configured tokens: the principal of a valid bearer header, else `undefined`. */
export function createTokenVerifier(tokens: readonly AdminTokenConfig[]): (authorization: string | undefined) => AdminPrincipal | undefined {
  const known: KnownToken[] = tokens.map((t) => ({
    name: t.name,
    scopes: t.scopes,
    digest: t.tokenSha256 ? Buffer.from(t.tokenSha256, 'hex') : sha256(t.token!),
  }));
  return (authorization) => {
    const match = /^Bearer ([\x21-\x7e]{1,1024})$/.exec(authorization ?? '');
    if (!match) return undefined;
    const presented = sha256(match[1]!);
    let found: KnownToken | undefined;
    for (const token of known) {
      if (timingSafeEqual(presented, token.digest) && !found) found = token;
    }
    return found && { name: found.name, scopes: found.scopes };
  };
}
