/**
 * Signs and checks cookie signatures for Koa and oidc-provider (both take it as their cookie keys), in
 * the format the `cookies` package's default signer makes: HMAC-SHA1 of `name=value` under the first
 * key, base64url without padding, checked against every key so that a rotated-out key still verifies
 * (the `cookies` package then signs the cookie again with the current key). Cookies signed before this
 * class and by other broker instances still verify.
 *
 * Why not hand the keys over as an array: then the `cookies` package builds a new signer per request,
 * with its methods as closures made per request; those lose their optimized code at every full
 * collection (see core/deadline.ts), and each signature also ran a replace callback per character it
 * fixed. Here the methods are the class's own and the digest is encoded once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class CookieSigner {
  /** Keys, the signing one first. */
  private readonly keys: readonly Buffer[];

  constructor(keys: readonly string[]) {
    if (!keys.length) throw new Error('a cookie signer needs at least one key');
    this.keys = keys.map((key) => Buffer.from(key, 'utf8'));
  }

  /** The signature of `data` under the current key. */
  sign(data: string): string {
    return digest(this.keys[0]!, data);
  }

  /** Whether `signature` is `data`'s under any of the keys. */
  verify(data: string, signature: string): boolean {
    return this.index(data, signature) > -1;
  }

  /** Which key `signature` was made with (0 is the current one), or -1 if none. */
  index(data: string, signature: unknown): number {
    if (typeof signature !== 'string') return -1;
    const given = Buffer.from(signature, 'utf8');
    for (let i = 0; i < this.keys.length; i++) {
      const expected = Buffer.from(digest(this.keys[i]!, data), 'utf8');
      // Every signature has the same length, so comparing lengths first tells nothing about a key.
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }
}

function digest(key: Buffer, data: string): string {
  return createHmac('sha1', key).update(data).digest('base64url');
}
