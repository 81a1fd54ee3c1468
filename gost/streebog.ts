/**
 * GOST R 34.11-2012 ("Streebog") hash functions, 256- and 512-bit, after RFC 6986.
 *
 * Byte order. The standard (and RFC 6986) writes every 512-bit vector as one big number, most
 * significant digit first. Byte-oriented implementations such as OpenSSL's gost engine treat the
 * input byte string as that number stored little-endian: input byte 0 is the least significant
 * byte, so the first 64 input bytes form the first block the standard processes (its "rightmost"
 * 512 bits). The digest is emitted the same way, least significant byte first. Hence the hex an
 * OpenSSL-style implementation prints is the RFC's written hex with its bytes reversed, and so is
 * the RFC's written example message. This module follows OpenSSL.
 *
 * Implementation. The composition L∘P∘S is done with eight precomputed tables of 256 64-bit entries
 * (`T_k[x] = l(Pi(x) placed in byte k)`), so one LPS is 64 table look-ups. The tables and constants
 * are made here, as pairs of 32-bit halves `[lo, hi]` of each 64-bit word (word w covers bytes
 * 8w..8w+7, little-endian); the compression loop runs in WebAssembly on whole 64-bit words
 * (`streebog-wasm.ts`), two to three times faster than the same loop on 32-bit halves in JavaScript.
 */

import { CONSTANTS, DATA, H, TABLES, streebogModule, type StreebogExports } from './streebog-wasm.ts';

/** The S-box Pi' of RFC 6986 section 6.2, Pi'(0) first. */
const PI = new Uint8Array([
  252, 238, 221, 17, 207, 110, 49, 22, 251, 196, 250, 218, 35, 197, 4, 77,
  233, 119, 240, 219, 147, 46, 153, 186, 23, 54, 241, 187, 20, 205, 95, 193,
  249, 24, 101, 90, 226, 92, 239, 33, 129, 28, 60, 66, 139, 1, 142, 79,
  5, 132, 2, 174, 227, 106, 143, 160, 6, 11, 237, 152, 127, 212, 211, 31,
  235, 52, 44, 81, 234, 200, 72, 171, 242, 42, 104, 162, 253, 58, 206, 204,
  181, 112, 14, 86, 8, 12, 118, 18, 191, 114, 19, 71, 156, 183, 93, 135,
  21, 161, 150, 41, 16, 123, 154, 199, 243, 145, 120, 111, 157, 158, 178, 177,
  50, 117, 25, 61, 255, 53, 138, 126, 109, 84, 198, 128, 195, 189, 13, 87,
  223, 245, 36, 169, 62, 168, 67, 201, 215, 121, 214, 246, 124, 34, 185, 3,
  224, 15, 236, 222, 122, 148, 176, 188, 220, 232, 40, 80, 78, 51, 10, 74,
  167, 151, 96, 115, 30, 0, 98, 68, 26, 184, 56, 130, 100, 159, 38, 65,
  173, 69, 70, 146, 39, 94, 85, 47, 140, 163, 165, 125, 105, 213, 149, 59,
  7, 88, 179, 64, 134, 172, 29, 247, 48, 55, 107, 228, 136, 217, 231, 137,
  225, 27, 131, 73, 76, 63, 248, 254, 141, 83, 170, 144, 202, 216, 133, 97,
  32, 113, 103, 164, 45, 43, 9, 91, 203, 155, 37, 208, 190, 229, 108, 82,
  89, 166, 116, 210, 230, 244, 180, 192, 209, 102, 175, 194, 57, 75, 99, 182,
]);
/**
 * Rows A_0 .. A_63 of the matrix of the linear map l (RFC 6986 section 6.4), each a 64-bit value in
 * hex, most significant digit first. Bit 63 of the input word selects A_0, bit 0 selects A_63.
 */
const A_ROWS: readonly string[] = [
  '8e20faa72ba0b470', '47107ddd9b505a38', 'ad08b0e0c3282d1c', 'd8045870ef14980e',
  '6c022c38f90a4c07', '3601161cf205268d', '1b8e0b0e798c13c8', '83478b07b2468764',
  'a011d380818e8f40', '5086e740ce47c920', '2843fd2067adea10', '14aff010bdd87508',
  '0ad97808d06cb404', '05e23c0468365a02', '8c711e02341b2d01', '46b60f011a83988e',
  '90dab52a387ae76f', '486dd4151c3dfdb9', '24b86a840e90f0d2', '125c354207487869',
  '092e94218d243cba', '8a174a9ec8121e5d', '4585254f64090fa0', 'accc9ca9328a8950',
  '9d4df05d5f661451', 'c0a878a0a1330aa6', '60543c50de970553', '302a1e286fc58ca7',
  '18150f14b9ec46dd', '0c84890ad27623e0', '0642ca05693b9f70', '0321658cba93c138',
  '86275df09ce8aaa8', '439da0784e745554', 'afc0503c273aa42a', 'd960281e9d1d5215',
  'e230140fc0802984', '71180a8960409a42', 'b60c05ca30204d21', '5b068c651810a89e',
  '456c34887a3805b9', 'ac361a443d1c8cd2', '561b0d22900e4669', '2b838811480723ba',
  '9bcf4486248d9f5d', 'c3e9224312c8c1a0', 'effa11af0964ee50', 'f97d86d98a327728',
  'e4fa2054a80b329c', '727d102a548b194e', '39b008152acb8227', '9258048415eb419d',
  '492c024284fbaec0', 'aa16012142f35760', '550b8e9e21f7a530', 'a48b474f9ef5dc18',
  '70a6a56e2440598e', '3853dc371220a247', '1ca76e95091051ad', '0edd37c48a08a6d8',
  '07e095624504536c', '8d70c431ac02a736', 'c83862965601dd1b', '641c314b2b8ee083',
];
/** Iteration constants C[1] .. C[12] (RFC 6986 section 6.5), each a 512-bit value in hex, most significant first. */
const C_HEX: readonly string[] = [
  'b1085bda1ecadae9ebcb2f81c0657c1f2f6a76432e45d016714eb88d7585c4fc' +
    '4b7ce09192676901a2422a08a460d31505767436cc744d23dd806559f2a64507',
  '6fa3b58aa99d2f1a4fe39d460f70b5d7f3feea720a232b9861d55e0f16b50131' +
    '9ab5176b12d699585cb561c2db0aa7ca55dda21bd7cbcd56e679047021b19bb7',
  'f574dcac2bce2fc70a39fc286a3d843506f15e5f529c1f8bf2ea7514b1297b7b' +
    'd3e20fe490359eb1c1c93a376062db09c2b6f443867adb31991e96f50aba0ab2',
  'ef1fdfb3e81566d2f948e1a05d71e4dd488e857e335c3c7d9d721cad685e353f' +
    'a9d72c82ed03d675d8b71333935203be3453eaa193e837f1220cbebc84e3d12e',
  '4bea6bacad4747999a3f410c6ca923637f151c1f1686104a359e35d7800fffbd' +
    'bfcd1747253af5a3dfff00b723271a167a56a27ea9ea63f5601758fd7c6cfe57',
  'ae4faeae1d3ad3d96fa4c33b7a3039c02d66c4f95142a46c187f9ab49af08ec6' +
    'cffaa6b71c9ab7b40af21f66c2bec6b6bf71c57236904f35fa68407a46647d6e',
  'f4c70e16eeaac5ec51ac86febf240954399ec6c7e6bf87c9d3473e33197a93c9' +
    '0992abc52d822c3706476983284a05043517454ca23c4af38886564d3a14d493',
  '9b1f5b424d93c9a703e7aa020c6e41414eb7f8719c36de1e89b4443b4ddbc49a' +
    'f4892bcb929b069069d18d2bd1a5c42f36acc2355951a8d9a47f0dd4bf02e71e',
  '378f5a541631229b944c9ad8ec165fde3a7d3a1b258942243cd955b7e00d0984' +
    '800a440bdbb2ceb17b2b8a9aa6079c540e38dc92cb1f2a607261445183235adb',
  'abbedea680056f52382ae548b2e4f3f38941e71cff8a78db1fffe18a1b336103' +
    '9fe76702af69334b7a1e6c303b7652f43698fad1153bb6c374b4c7fb98459ced',
  '7bcd9ed0efc889fb3002c6cd635afe94d8fa6bbbebab07612001802114846679' +
    '8a1d71efea48b9caefbacd1d7d476e98dea2594ac06fd85d6bcaa4cd81f32d1b',
  '378ee767f11631bad21380b00449b17acda43c32bcdf1d77f82012d430219f9b' +
    '5d80ef9d1891cc86e71da4aa88e12852faf417d5d9b21b9948bc924af11bd720',
];

/**
 * The combined L·P·S tables: for byte position k (0..7) and byte value x, entry `(k << 8) | x`
 * holds the 64-bit word l applied to a word that is zero except for Pi(x) in byte k, split into its
 * low (`LPS_LO`) and high (`LPS_HI`) 32-bit halves.
 */
const [LPS_LO, LPS_HI] = buildLpsTables();

/** The 12 iteration constants in the internal 16-word little-endian layout. */
const C_WORDS: readonly Int32Array[] = C_HEX.map(hexToState);

function buildLpsTables(): [Int32Array, Int32Array] {
  const rowLo = new Int32Array(64);
  const rowHi = new Int32Array(64);
  A_ROWS.forEach((hex, j) => {
    rowHi[j] = parseInt(hex.slice(0, 8), 16) | 0;
    rowLo[j] = parseInt(hex.slice(8), 16) | 0;
  });
  const tableLo = new Int32Array(8 * 256);
  const tableHi = new Int32Array(8 * 256);
  for (let k = 0; k < 8; k++) {
    for (let x = 0; x < 256; x++) {
      const v = PI[x]!;
      let lo = 0;
      let hi = 0;
      for (let t = 0; t < 8; t++) {
        if ((v >>> t) & 1) {
          // Bit t of byte k is bit 8k+t of the word, which selects row 63 - (8k + t).
          const row = 63 - (8 * k + t);
          lo ^= rowLo[row]!;
          hi ^= rowHi[row]!;
        }
      }
      tableLo[(k << 8) | x] = lo;
      tableHi[(k << 8) | x] = hi;
    }
  }
  return [tableLo, tableHi];
}

/** Parses a 512-bit big-endian hex constant into the internal little-endian word layout. */
function hexToState(hex: string): Int32Array {
  const state = new Int32Array(16);
  for (let i = 0; i < 16; i++) {
    // 32-bit word i (counting from the least significant) is hex digits [128-8(i+1), 128-8i).
    const end = 128 - 8 * i;
    state[i] = parseInt(hex.slice(end - 8, end), 16) | 0;
  }
  return state;
}

/** The WebAssembly side (`streebog-wasm.ts`), made on first use; hashing is synchronous, so one will do. */
interface Engine {
  readonly memory: WebAssembly.Memory;
  readonly hash: StreebogExports['hash'];
  bytes: Uint8Array;
}
let engine: Engine | undefined;

function startEngine(): Engine {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(streebogModule()), { env: { memory } });
  const words = new Int32Array(memory.buffer);
  // Tables and constants as 64-bit little-endian words: the low 32-bit half first.
  for (let e = 0; e < 8 * 256; e++) {
    words[TABLES / 4 + 2 * e] = LPS_LO[e]!;
    words[TABLES / 4 + 2 * e + 1] = LPS_HI[e]!;
  }
  C_WORDS.forEach((c, i) => words.set(c, CONSTANTS / 4 + 16 * i));
  const hash = (instance.exports as unknown as StreebogExports).hash;
  return { memory, hash, bytes: new Uint8Array(memory.buffer) };
}

const IV_256 = 0x0101010101010101n;

/**
 * Runs the full hashing procedure (RFC 6986 section 8) and returns the engine's memory, the final
 * 512-bit state at `H` (copy it out before the next call).
 */
function hashState(data: Uint8Array, iv: bigint): Uint8Array {
  const e = (engine ??= startEngine());
  const fullBlocks = data.length >>> 6;
  const rest = data.length & 63;
  const end = DATA + (fullBlocks + 1) * 64;
  if (end > e.memory.buffer.byteLength) {
    e.memory.grow(Math.ceil((end - e.memory.buffer.byteLength) / 65536));
    e.bytes = new Uint8Array(e.memory.buffer);
  }
  // The message, then the padding of its last (possibly empty) block: 0x01 and zeros.
  const bytes = e.bytes;
  bytes.set(data, DATA);
  bytes[DATA + data.length] = 1;
  bytes.fill(0, DATA + data.length + 1, end);
  e.hash(DATA, fullBlocks, rest * 8, iv);
  return bytes;
}

/**
 * GOST R 34.11-2012 with a 512-bit hash code. Returns 64 bytes in OpenSSL's byte order (the reverse
 * of how RFC 6986 writes its example hash codes).
 */
export function streebog512(data: Uint8Array): Uint8Array {
  return hashState(data, 0n).slice(H, H + 64);
}

/**
 * GOST R 34.11-2012 with a 256-bit hash code. Returns 32 bytes in OpenSSL's byte order (the reverse
 * of how RFC 6986 writes its example hash codes): these are the bytes that `openssl dgst -engine
 * gost -md_gost12_256` prints, and the digest {@link signDigest} expects.
 */
export function streebog256(data: Uint8Array): Uint8Array {
  // IV = (00000001)^64; the hash code is MSB_256 of the final state, i.e. its upper 32 bytes.
  return hashState(data, IV_256).slice(H + 32, H + 64);
}

/** {@link streebog256} as upper-case hex (the same byte order OpenSSL prints, upper-cased). */
export function streebog256Hex(data: Uint8Array): string {
  return Buffer.from(streebog256(data)).toString('hex').toUpperCase();
}
