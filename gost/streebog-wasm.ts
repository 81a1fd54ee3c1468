/**
 * The Streebog compression loop in WebAssembly, assembled at start-up by `wasm-emit.ts`; the tables
 * and constants come from `streebog.ts`, which owns the memory. A 512-bit value is eight i64 words,
 * word w being bytes 8w..8w+7 little-endian, as WebAssembly loads them. One LPS is 64 table look-ups
 * of whole 64-bit words (JavaScript needed two 32-bit halves each).
 *
 * Memory: the eight L·P·S tables (256 × i64 each), the 12 iteration constants, the state (h, N, Σ),
 * key and state buffers, a zero block, then the message from `DATA` on, already padded by the caller
 * (0x01 after the last byte, zeros to the end of its block).
 */
import { Code, I32, I64, assemble, type WasmFunction } from './wasm-emit.ts';

const BLOCK = 64;
export const TABLES = 0;
export const CONSTANTS = TABLES + 8 * 256 * 8;
export const H = CONSTANTS + 12 * BLOCK;
const N = H + BLOCK;
const SIGMA = N + BLOCK;
const KA = SIGMA + BLOCK;
const KB = KA + BLOCK;
const SA = KB + BLOCK;
const SB = SA + BLOCK;
const ZERO = SB + BLOCK;
export const DATA = ZERO + BLOCK;

const F_XOR_LPS = 0;
const F_COMPRESS = 1;
const F_ADD512 = 2;
const F_ADD_SMALL = 3;

/**
 * xorLps(a, b, out): out = LPS(a XOR b); out must not alias a or b. Byte k of output word w is
 * Pi(byte w of input word k), and l is linear, so output word w is the XOR over k of T_k[byte w of
 * word k].
 */
function xorLpsFunction(): WasmFunction {
  const c = new Code(3);
  const x = c.localsOf(I64, 8);
  for (let k = 0; k < 8; k++) c.get(0).i64Load(8 * k).get(1).i64Load(8 * k).i64Xor().set(x[k]!);
  for (let w = 0; w < 8; w++) {
    c.get(2);
    for (let k = 0; k < 8; k++) {
      c.get(x[k]!);
      if (w > 0) c.i64(8 * w).i64ShrU();
      c.i32WrapI64().i32(255).i32And().i32(3).i32Shl().i64Load(TABLES + k * 256 * 8);
      if (k > 0) c.i64Xor();
    }
    c.i64Store(8 * w);
  }
  return { params: [I32, I32, I32], results: [], code: c };
}

/** compress(h, n, m): h = E(LPS(h XOR n), m) XOR h XOR m (RFC 6986 section 7.2). */
function compressFunction(): WasmFunction {
  const c = new Code(3);
  const [h, n, m] = [0, 1, 2];
  const lps = (a: () => void, b: () => void, out: number): void => {
    a();
    b();
    c.i32(out).call(F_XOR_LPS);
  };
  const at = (offset: number) => (): void => void c.i32(offset);
  const param = (i: number) => (): void => void c.get(i);
  // K1 = LPS(h XOR n); S1 = LPS(K1 XOR m); K(i+1) = LPS(Ki XOR C_i), S(i+1) = LPS(K(i+1) XOR Si).
  lps(param(h), param(n), KA);
  lps(param(m), at(KA), SA);
  let [k, kNext, s, sNext] = [KA, KB, SA, SB];
  for (let i = 0; i < 11; i++) {
    lps(at(k), at(CONSTANTS + i * BLOCK), kNext);
    lps(at(s), at(kNext), sNext);
    [k, kNext, s, sNext] = [kNext, k, sNext, s];
  }
  // K13 = LPS(K12 XOR C_12); the result is S12 XOR K13.
  lps(at(k), at(CONSTANTS + 11 * BLOCK), kNext);
  for (let w = 0; w < 8; w++) {
    c.get(h);
    c.get(h).i64Load(8 * w).i32(s).i64Load(8 * w).i64Xor();
    c.i32(kNext).i64Load(8 * w).i64Xor();
    c.get(m).i64Load(8 * w).i64Xor();
    c.i64Store(8 * w);
  }
  return { params: [I32, I32, I32], results: [], code: c };
}

/** add512(acc, v): acc = (acc + v) mod 2^512. */
function add512Function(): WasmFunction {
  const c = new Code(2);
  const carry = c.local(I64);
  const a = c.local(I64);
  const sum = c.local(I64);
  const total = c.local(I64);
  c.i64(0).set(carry);
  for (let w = 0; w < 8; w++) {
    c.get(0).i64Load(8 * w).tee(a).get(1).i64Load(8 * w).i64Add().set(sum);
    c.get(sum).get(carry).i64Add().set(total);
    c.get(sum).get(a).i64LtU().get(total).get(sum).i64LtU().i32Or().i64ExtendI32U().set(carry);
    c.get(0).get(total).i64Store(8 * w);
  }
  return { params: [I32, I32], results: [], code: c };
}

/** addSmall(acc, v): acc = (acc + v) mod 2^512 for v below 2^64. */
function addSmallFunction(): WasmFunction {
  const c = new Code(2);
  const a = c.local(I64);
  const sum = c.local(I64);
  for (let w = 0; w < 8; w++) {
    c.get(0).i64Load(8 * w).tee(a).get(1).i64Add().set(sum);
    c.get(0).get(sum).i64Store(8 * w);
    c.get(sum).get(a).i64LtU().i64ExtendI32U().set(1);
  }
  return { params: [I32, I64], results: [], code: c };
}

/**
 * hash(data, blocks, restBits, iv): the whole procedure of RFC 6986 section 8 over `blocks` full
 * blocks from `data`, then the padded last block holding `restBits` bits of message; the final h
 * is at `H`. `iv` is the byte pattern of the initial h (0x01 bytes for 256 bits, zero for 512).
 */
function hashFunction(): WasmFunction {
  const c = new Code(4);
  const [data, blocks, restBits, iv] = [0, 1, 2, 3];
  const i = c.local(I32);
  for (let w = 0; w < 8; w++) {
    c.i32(H).get(iv).i64Store(8 * w);
    c.i32(N).i64(0).i64Store(8 * w);
    c.i32(SIGMA).i64(0).i64Store(8 * w);
  }
  c.i32(0).set(i);
  c.block().loop();
  c.get(i).get(blocks).i32LtU().i32Eqz().brIf(1);
  c.i32(H).i32(N).get(data).call(F_COMPRESS);
  c.i32(N).i64(512).call(F_ADD_SMALL);
  c.i32(SIGMA).get(data).call(F_ADD512);
  c.get(data).i32(BLOCK).i32Add().set(data);
  c.get(i).i32(1).i32Add().set(i);
  c.br(0).end().end();
  c.i32(H).i32(N).get(data).call(F_COMPRESS);
  c.i32(N).get(restBits).i64ExtendI32U().call(F_ADD_SMALL);
  c.i32(SIGMA).get(data).call(F_ADD512);
  c.i32(H).i32(ZERO).i32(N).call(F_COMPRESS);
  c.i32(H).i32(ZERO).i32(SIGMA).call(F_COMPRESS);
  return { params: [I32, I32, I32, I64], results: [], code: c, export: 'hash' };
}

export interface StreebogExports {
  hash(data: number, blocks: number, restBits: number, iv: bigint): void;
}

export function streebogModule(): Uint8Array {
  return assemble([xorLpsFunction(), compressFunction(), add512Function(), addSmallFunction(), hashFunction()], 1);
}
