/**
 * GOST benchmark (`npm run bench -- gost`): single-threaded throughput of GOST R 34.10-2012 signing
 * and verification on the default curve (CryptoPro-A) and of Streebog-256 on 200-byte messages.
 * Verification uses one fixed public key, as against ESIA's pinned keys, so after warm-up it runs
 * with that key's precomputed table; the first-use (uncached) rate is reported separately.
 */
import type { BenchResult } from './run.ts';
import {
  DEFAULT_CURVE,
  derivePublicKey,
  generateKeyPair,
  sign,
  streebog256,
  verify,
  type GostPrivateKey,
} from '../gost/index.ts';

const MEASURE_MS = 2000;
const WARMUP_MS = 500;

/** Calls `op` repeatedly for about `ms` milliseconds and returns calls per second. */
function rate(op: (i: number) => unknown, ms: number): number {
  let count = 0;
  const start = performance.now();
  for (;;) {
    for (let i = 0; i < 16; i++) op(count++);
    const elapsed = performance.now() - start;
    if (elapsed >= ms) return count / (elapsed / 1000);
  }
}

function message(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff);
}

export async function run(): Promise<BenchResult> {
  const curve = DEFAULT_CURVE;
  // A fixed signing key, so runs are comparable.
  const privateKey: GostPrivateKey = { curve, d: 0x5f3a9c1e7b2d4068a1c3e5f7092b4d6f8a0c2e4f6b8d0a2c4e6f8b0d2a4c6e8fn };
  const publicKey = derivePublicKey(privateKey);
  const data = message(256, 1);
  const signature = sign(privateKey, data);
  const hashInput = message(200, 2);

  // Warm-up: builds the base-point and per-key tables and lets the JIT settle.
  rate(() => sign(privateKey, data), WARMUP_MS);
  rate(() => verify(publicKey, data, signature), WARMUP_MS);
  rate(() => streebog256(hashInput), WARMUP_MS);

  const signaturesPerSecond = rate(() => sign(privateKey, data), MEASURE_MS);
  const verificationsPerSecond = rate(() => {
    if (!verify(publicKey, data, signature)) throw new Error('benchmark signature did not verify');
  }, MEASURE_MS);
  const streebogHashesPerSecond = rate(() => streebog256(hashInput), MEASURE_MS);

  // First use of a key (no per-key table yet): each verification with a fresh key.
  const fresh = Array.from({ length: 200 }, (_, i) => {
    const pair = generateKeyPair(curve);
    const msg = message(256, i);
    return { publicKey: pair.publicKey, msg, sig: sign(pair.privateKey, msg) };
  });
  let start = performance.now();
  for (const f of fresh) if (!verify(f.publicKey, f.msg, f.sig)) throw new Error('fresh-key signature did not verify');
  const firstUseVerificationsPerSecond = fresh.length / ((performance.now() - start) / 1000);
  // Second use builds the key's table (the most recent keys are still in the bounded key cache).
  const builds = fresh.slice(-5);
  start = performance.now();
  for (const f of builds) verify(f.publicKey, f.msg, f.sig);
  const keyTableBuildMs = (performance.now() - start) / builds.length;

  const round = (v: number): number => Math.round(v);
  console.log(`gost: curve ${curve.name}, single thread`);
  console.log(`  sign (Streebog-256 + GOST R 34.10-2012), 256-byte message: ${round(signaturesPerSecond)}/s`);
  console.log(`  verify, pinned key (per-key table):   ${round(verificationsPerSecond)}/s`);
  console.log(`  verify, key's first use (wNAF):       ${round(firstUseVerificationsPerSecond)}/s`);
  console.log(`  per-key table build (second use):     ${keyTableBuildMs.toFixed(1)} ms`);
  console.log(`  Streebog-256, 200-byte message:       ${round(streebogHashesPerSecond)}/s`);

  return {
    suite: 'gost',
    signaturesPerSecond: round(signaturesPerSecond),
    verificationsPerSecond: round(verificationsPerSecond),
    streebogHashesPerSecond: round(streebogHashesPerSecond),
    firstUseVerificationsPerSecond: round(firstUseVerificationsPerSecond),
    keyTableBuildMs: Math.round(keyTableBuildMs * 10) / 10,
    curve: curve.name,
  };
}
