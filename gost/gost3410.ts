/**
 * GOST R 34.10-2012 digital signatures with 256-bit keys (RFC 7091), interoperable with OpenSSL's
 * gost engine.
 *
 * Byte orders (the part that decides interoperability):
 * - The digest is the 32-byte output of {@link streebog256}, in OpenSSL's byte order. The standard's
 *   integer alpha ("whose binary representation is the hash vector") is that byte string read as a
 *   little-endian number, because the hash vector's least significant byte is emitted first.
 *   e = alpha mod q, and e = 1 if that is 0.
 * - A signature is 64 bytes: s as a 32-byte big-endian number, then r as a 32-byte big-endian number
 *   (RFC 4491 section 2.2.2, and what OpenSSL's gost engine emits and expects). Note the order: the
 *   standard's vector zeta = r || s puts r first; the wire format puts s first.
 *
 * Arithmetic: points in Jacobian coordinates with mixed (Jacobian + affine) additions, field values
 * kept as BigInt residues in (-p, p) (JavaScript's `%` keeps the dividend's sign; values are only
 * normalised when leaving the module); on curves over p = 2^256 − 617 (CryptoPro-A, tc26 paramSetA)
 * the comb multiplications run in WebAssembly on 29-bit limbs instead (`curve-wasm.ts`), about four
 * times as fast and without garbage. Multiples of a fixed point come from a comb table of
 * 32 windows × 255 affine multiples, so a full scalar multiplication costs at most 32 additions and
 * no doublings. The base point's table is built once per curve on first use; verification keys get
 * their own table from their second use on (kept in a small LRU cache), before that a width-5 wNAF
 * ladder is used. BigInt arithmetic is not constant-time; signing at least has no scalar-dependent
 * control flow beyond skipping zero windows.
 */
import { DEFAULT_CURVE, type GostCurve } from './curves.ts';
import { bigIntToBytesBE, bytesToBigIntBE } from './binary.ts';
import {
  arithmetic,
  digestToE,
  invert,
  randomScalar,
  SIZE,
  type CombTable,
  type CurveArithmetic,
  type Jacobian,
} from './curve-arithmetic.ts';
import { streebog256 } from './streebog.ts';

/** A GOST R 34.10 signing key: the scalar d, 0 < d < q, on the given curve. */
export interface GostPrivateKey {
  readonly curve: GostCurve;
  readonly d: bigint;
}

/** A GOST R 34.10 verification key: the affine point Q = d·P on the given curve. */
export interface GostPublicKey {
  readonly curve: GostCurve;
  readonly x: bigint;
  readonly y: bigint;
}

/** A verification key seen before: already validated, with a comb table once used often enough. */
interface KeyEntry {
  readonly id: string;
  readonly ctx: CurveArithmetic;
  readonly x: bigint;
  readonly y: bigint;
  uses: number;
  table: CombTable | undefined;
  /** Out of the cache (its table released): a key object that still points here must look again. */
  dropped: boolean;
}

/**
 * A signing nonce made ahead: the secret k and r = x(k·P) mod q. Nonces are made in batches of
 * NONCE_BATCH so that one inversion serves the whole batch (Montgomery's trick) instead of one per
 * signature: about 10 µs and 8 KB of BigInt garbage less per signature. Each is used once (taken off
 * the pool) and is as secret as the key; a batch lives in this process's memory until its last
 * nonce is used.
 */
interface Nonce {
  readonly k: bigint;
  readonly r: bigint;
}

const NONCE_BATCH = 16;
/** Unused nonces per curve arithmetic, taken from the end. */
const noncePools = new WeakMap<CurveArithmetic, Nonce[]>();

/** The next fresh nonce for a curve, making a new batch when the pool is empty. */
function takeNonce(ctx: CurveArithmetic): Nonce {
  let pool = noncePools.get(ctx);
  if (!pool) noncePools.set(ctx, (pool = []));
  if (pool.length === 0) {
    const table = ctx.base();
    // Loops rather than callbacks: a callback made per batch would lose its optimized code (with
    // combMultiply inlined) at every full collection.
    const ks: bigint[] = [];
    const points: Jacobian[] = [];
    for (let i = 0; i < NONCE_BATCH; i++) {
      const k = randomScalar(ctx.q);
      ks.push(k);
      // k in [1, q−1] and P of order q: no k·P is infinity.
      points.push(ctx.combMultiply(table, k));
    }
    const xs = ctx.affineXs(points);
    for (let i = 0; i < NONCE_BATCH; i++) pool.push({ k: ks[i]!, r: xs[i]! % ctx.q });
  }
  return pool.pop()!;
}

/** At most this many verification keys are remembered (each table holds ~8k points, about 1 MB). */
const KEY_CACHE_SIZE = 32;
/** A key gets its own comb table (about 70 ms to build) on this use; earlier uses take the wNAF path. */
const TABLE_AFTER_USES = 2;

/** Validated verification keys by curve id and coordinates, least recently used first. */
const keyCache = new Map<string, KeyEntry>();
/**
 * The entry last found for a key object: a pinned key is one object used for every verification, and
 * this spares its coordinates' conversion to the cache's string id each time.
 */
const entryByObject = new WeakMap<GostPublicKey, KeyEntry>();

/**
 * The cache entry for a public key, creating it if the point is valid (on the curve and, on curves
 * with a cofactor, in the order-q subgroup); undefined for an invalid point.
 */
function keyEntry(ctx: CurveArithmetic, publicKey: GostPublicKey): KeyEntry | undefined {
  let entry = entryByObject.get(publicKey);
  if (!entry || entry.dropped || entry.ctx !== ctx || entry.x !== publicKey.x || entry.y !== publicKey.y) {
    const id = `${ctx.id}:${publicKey.x.toString(16)}:${publicKey.y.toString(16)}`;
    entry = keyCache.get(id);
    if (!entry) {
      if (!ctx.isValidPublicPoint(publicKey.x, publicKey.y)) return undefined;
      entry = { id, ctx, x: publicKey.x, y: publicKey.y, uses: 0, table: undefined, dropped: false };
      keyCache.set(id, entry);
      if (keyCache.size > KEY_CACHE_SIZE) drop(keyCache.values().next().value as KeyEntry);
    }
    entryByObject.set(publicKey, entry);
  }
  keyCache.delete(entry.id); // move to the most recently used end
  keyCache.set(entry.id, entry);
  return entry;
}

function drop(entry: KeyEntry): void {
  keyCache.delete(entry.id);
  entry.dropped = true;
  if (entry.table) entry.ctx.releaseComb(entry.table);
  entry.table = undefined;
}

// ---------------------------------------------------------------------------------------------
// Public API

function checkPrivateKey(privateKey: GostPrivateKey): CurveArithmetic {
  const ctx = arithmetic(privateKey.curve);
  if (typeof privateKey.d !== 'bigint' || privateKey.d <= 0n || privateKey.d >= ctx.q) {
    throw new RangeError('GOST private key d must be in [1, q-1]');
  }
  return ctx;
}

/** Generates a key pair on `curve` (default CryptoPro-A) with d uniform in [1, q-1]. */
export function generateKeyPair(curve: GostCurve = DEFAULT_CURVE): {
  privateKey: GostPrivateKey;
  publicKey: GostPublicKey;
} {
  const privateKey: GostPrivateKey = { curve, d: randomScalar(curve.q) };
  return { privateKey, publicKey: derivePublicKey(privateKey) };
}

/** The verification key Q = d·P for a signing key. */
export function derivePublicKey(privateKey: GostPrivateKey): GostPublicKey {
  const ctx = checkPrivateKey(privateKey);
  const { x, y } = ctx.toAffine(ctx.combMultiply(ctx.base(), privateKey.d));
  return { curve: privateKey.curve, x, y };
}

/** Whether the public key's point has coordinates in [0, p) and lies on its curve. */
export function isOnCurve(publicKey: GostPublicKey): boolean {
  try {
    return arithmetic(publicKey.curve).isOnCurve(publicKey.x, publicKey.y);
  } catch {
    return false;
  }
}

/**
 * Signs a 32-byte GOST R 34.11-2012 digest (in OpenSSL's byte order, as {@link streebog256}
 * returns it). Returns 64 bytes: s then r, each 32 bytes big-endian (OpenSSL's layout).
 * `k` fixes the per-signature secret; use it only for known-answer tests.
 */
export function signDigest(privateKey: GostPrivateKey, digest: Uint8Array, k?: bigint): Uint8Array {
  const ctx = checkPrivateKey(privateKey);
  if (digest.length !== SIZE) throw new RangeError(`GOST R 34.10-2012 digest must be ${SIZE} bytes`);
  const q = ctx.q;
  if (k !== undefined && (k <= 0n || k >= q)) throw new RangeError('k must be in [1, q-1]');
  const e = digestToE(digest, q);
  for (;;) {
    const { k: nonce, r } = k === undefined ? takeNonce(ctx) : { k, r: ctx.affineX(ctx.combMultiply(ctx.base(), k)) % q };
    const s = r === 0n ? 0n : (r * privateKey.d + nonce * e) % q;
    if (r !== 0n && s !== 0n) {
      const out = new Uint8Array(2 * SIZE);
      out.set(bigIntToBytesBE(s, SIZE), 0);
      out.set(bigIntToBytesBE(r, SIZE), SIZE);
      return out;
    }
    if (k !== undefined) throw new Error('the given k yields r = 0 or s = 0');
  }
}

/**
 * Verifies a signature (s then r, 32 bytes each, big-endian) over a 32-byte digest in OpenSSL's
 * byte order. Returns false, never throws, for any malformed input: wrong lengths, r or s not in
 * [1, q-1], a public point not on the curve (or, for tc26 paramSetA, not in the order-q subgroup).
 */
export function verifyDigest(publicKey: GostPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (digest.length !== SIZE || signature.length !== 2 * SIZE) return false;
    const ctx = arithmetic(publicKey.curve);
    const q = ctx.q;
    const s = bytesToBigIntBE(signature.subarray(0, SIZE));
    const r = bytesToBigIntBE(signature.subarray(SIZE));
    if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
    const entry = keyEntry(ctx, publicKey);
    if (!entry) return false;
    const v = invert(digestToE(digest, q), q);
    const z1 = (s * v) % q;
    const z2 = ((q - r) * v) % q;
    entry.uses++;
    if (!entry.table && entry.uses >= TABLE_AFTER_USES) {
      entry.table = ctx.buildComb(publicKey.x, publicKey.y);
    }
    if (entry.table) return ctx.combVerify(ctx.base(), z1, entry.table, z2, r);
    const C = ctx.combMultiply(ctx.base(), z1, ctx.wnafMultiply(publicKey.x, publicKey.y, z2));
    if (C.Z === 0n) return false;
    return ctx.xModQEquals(C, r);
  } catch {
    return false;
  }
}

/** Hashes `data` with GOST R 34.11-2012 (256-bit) and signs the digest; see {@link signDigest}. */
export function sign(privateKey: GostPrivateKey, data: Uint8Array): Uint8Array {
  return signDigest(privateKey, streebog256(data));
}

/** Hashes `data` with GOST R 34.11-2012 (256-bit) and verifies the signature; see {@link verifyDigest}. */
export function verify(publicKey: GostPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifyDigest(publicKey, streebog256(data), signature);
  } catch {
    return false;
  }
}
