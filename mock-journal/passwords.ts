/**
 * School passwords as a journal should keep them: scrypt with a per-account random salt, compared in
 * constant time. Stored as `scrypt$<N>$<salt>$<hash>` (base64url).
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameter N (2^14: the interactive-login figure of the scrypt paper). */
export const DEFAULT_SCRYPT_COST = 16_384;
const BLOCK_SIZE = 8;
const KEY_LENGTH = 32;

export function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEY_LENGTH, { N: cost, r: BLOCK_SIZE, p: 1, maxmem: 256 * cost * BLOCK_SIZE });
  return `scrypt$${cost}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether `password` matches `stored`; false for a malformed record. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, costText, saltText, hashText] = stored.split('$');
  const cost = Number(costText);
  if (scheme !== 'scrypt' || !Number.isInteger(cost) || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64url');
  const actual = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, Buffer.from(saltText, 'base64url'), expected.length, { N: cost, r: BLOCK_SIZE, p: 1, maxmem: 256 * cost * BLOCK_SIZE }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
