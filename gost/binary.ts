// Small byte helpers shared by the DER, key, certificate and CMS code.

/** Concatenates byte arrays into a new plain Uint8Array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant-time; use only on public data). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Copies any Uint8Array view (including a Node Buffer) into a plain, standalone Uint8Array. */
export function copyBytes(a: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  out.set(a);
  return out;
}

/** Lower-case hex of the bytes. */
export function toHex(a: Uint8Array): string {
  let s = '';
  for (const b of a) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Unsigned big-endian bytes to bigint (empty input is 0). */
export function bytesToBigIntBE(a: Uint8Array): bigint {
  if (a.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(a.buffer, a.byteOffset, a.length).toString('hex')}`);
}

/** Unsigned little-endian bytes to bigint (empty input is 0). */
export function bytesToBigIntLE(a: Uint8Array): bigint {
  return bytesToBigIntBE(Uint8Array.from(a).reverse());
}

/** Non-negative bigint to exactly `length` big-endian bytes; throws if it does not fit. */
export function bigIntToBytesBE(n: bigint, length: number): Uint8Array {
  if (n < 0n) throw new RangeError('negative value');
  const hex = n.toString(16);
  if (hex.length > length * 2) throw new RangeError(`value does not fit in ${length} bytes`);
  return new Uint8Array(Buffer.from(hex.padStart(length * 2, '0'), 'hex'));
}

/** Non-negative bigint to exactly `length` little-endian bytes; throws if it does not fit. */
export function bigIntToBytesLE(n: bigint, length: number): Uint8Array {
  return bigIntToBytesBE(n, length).reverse();
}
