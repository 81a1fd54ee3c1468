/**
 * Random bytes for signature nonces: drawn from node:crypto (OpenSSL's CSPRNG) 4 KiB at a time and
 * handed out once each, so a signature makes no call into OpenSSL of its own (one such call cost more
 * than a tenth of a signature). A slice is never handed out twice; callers wipe it once read.
 */
import { randomBytes } from 'node:crypto';

const BLOCK = 4096;
let pool: Buffer = Buffer.alloc(0);
let offset = 0;

/** `n` fresh random bytes (a view into the pool for small n: wipe it after use). */
export function poolRandomBytes(n: number): Uint8Array {
  if (n > BLOCK / 4) return randomBytes(n);
  if (offset + n > pool.length) {
    pool = randomBytes(BLOCK);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + n);
  offset += n;
  return out;
}
