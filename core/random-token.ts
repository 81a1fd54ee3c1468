/**
 * Random tokens (CSRF tokens, flow ids) as base64url text, from the same pooled CSPRNG block as the
 * GOST nonces: a login makes no call into OpenSSL for its CSRF token (one call cost about as much as
 * encoding a dozen tokens). The bytes are wiped once encoded.
 */
import { poolRandomBytes } from '../gost/random.ts';

/** `bytes` fresh random bytes as base64url. */
export function randomToken(bytes: number): string {
  const raw = poolRandomBytes(bytes);
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  raw.fill(0);
  return text;
}
