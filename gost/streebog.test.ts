import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, requireGostEngine, withTempDir } from '../test/helpers/openssl-gost.ts';
import { streebog256, streebog256Hex, streebog512 } from './streebog.ts';

/**
 * RFC 6986 writes messages and hash codes as big numbers, most significant byte first; byte-stream
 * implementations (OpenSSL, ours) treat byte 0 as the least significant. So every RFC value below is
 * converted with `rfc()`, which reverses the bytes of the hex as written in the RFC.
 */
function rfc(hexAsWritten: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hexAsWritten.replace(/\s+/g, ''), 'hex')).reverse();
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// RFC 6986 section 10.1: M1 (as written), which is the ASCII string "0123...012" reversed.
const M1 = rfc(`
  32313039383736353433323130393837 36353433323130393837363534333231
  30393837363534333231303938373635 343332313039383736353433323130`);

// RFC 6986 section 10.2: M2 (as written), a 72-byte CP1251 text, so it spans two blocks.
const M2 = rfc(`
  fbe2e5f0eee3c820fbeafaebef20fffb f0e1e0f0f520e0ed20e8ece0ebe5f0f2
  f120fff0eeec20f120faf2fee5e2202c e8f6f3ede220e8e6eee1e8f0f2d1202c
  e8f0f2e5e220e5d1`);

describe('streebog (RFC 6986 section 10 examples, byte-reversed)', () => {
  it('M1 is the 63-byte ASCII string it is documented to be', () => {
    expect(Buffer.from(M1).toString('latin1')).toBe('012345678901234567890123456789012345678901234567890123456789012');
    expect(M2.length).toBe(72);
  });

  it('M1, 512-bit', () => {
    expect(hex(streebog512(M1))).toBe(
      hex(
        rfc(`486f64c1917879417fef082b3381a4e2 11c324f074654c38823a7b76f830ad00
             fa1fbae42b1285c0352f227524bc9ab1 6254288dd6863dccd5b9f54a1ad0541b`),
      ),
    );
  });

  it('M1, 256-bit', () => {
    const expected = rfc('00557be5e584fd52a449b16b0251d05d 27f94ab76cbaa6da890b59d8ef1e159d');
    expect(hex(streebog256(M1))).toBe(hex(expected));
    // The value OpenSSL prints for `printf 0123...012 | openssl dgst -engine gost -md_gost12_256`.
    expect(hex(streebog256(M1))).toBe('9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500');
  });

  it('M2, 512-bit', () => {
    expect(hex(streebog512(M2))).toBe(
      hex(
        rfc(`28fbc9bada033b1460642bdcddb90c3f b3e56c497ccd0f62b8a2ad4935e85f03
             7613966de4ee00531ae60f3b5a47f8da e06915d5f2f194996fcabf2622e6881e`),
      ),
    );
  });

  it('M2, 256-bit', () => {
    expect(hex(streebog256(M2))).toBe(hex(rfc('508f7e553c06501d749a66fc28c6cac0 b005746d97537fa85d9e40904efed29d')));
  });

  it('empty input and the hex helper', () => {
    expect(streebog256Hex(new Uint8Array(0))).toBe('3F539A213E97C802CC229D474C6AA32A825A360B2A933A949FD925208D9CE1BB');
    expect(streebog256(new Uint8Array(0))).toHaveLength(32);
    expect(streebog512(new Uint8Array(0))).toHaveLength(64);
  });

  it('hashes a subarray view exactly like a copy, and is deterministic across calls', () => {
    const big = randomBytes(300);
    const view = new Uint8Array(big.buffer, big.byteOffset + 7, 130);
    expect(hex(streebog256(view))).toBe(hex(streebog256(Uint8Array.from(view))));
    expect(hex(streebog512(view))).toBe(hex(streebog512(Uint8Array.from(view))));
    const first = hex(streebog256(big));
    streebog512(randomBytes(1000));
    expect(hex(streebog256(big))).toBe(first);
  });
});

describe.runIf(requireGostEngine())('streebog against OpenSSL gost engine', () => {
  const lengths = [0, 1, 2, 31, 32, 33, 55, 56, 63, 64, 65, 100, 127, 128, 129, 191, 192, 193, 200, 255, 256, 257,
    511, 512, 513, 1000, 4095, 4096, 4097, 65_536 + 3, 1_000_003];

  function opensslDigests(algorithm: string, buffers: readonly Uint8Array[]): string[] {
    return withTempDir((dir) => {
      const files = buffers.map((buf, i) => {
        const file = join(dir, `m${i}.bin`);
        writeFileSync(file, buf);
        return file;
      });
      const out = openssl(['dgst', '-engine', 'gost', `-${algorithm}`, ...files]).toString('utf8');
      const digests = out
        .split('\n')
        .map((line) => /=\s*([0-9a-f]+)\s*$/i.exec(line)?.[1]?.toLowerCase())
        .filter((d): d is string => d !== undefined);
      expect(digests).toHaveLength(buffers.length);
      return digests;
    });
  }

  it('streebog256 matches md_gost12_256 for random inputs of many lengths', () => {
    const buffers = lengths.map((n) => new Uint8Array(randomBytes(n)));
    const expected = opensslDigests('md_gost12_256', buffers);
    buffers.forEach((buf, i) => expect(hex(streebog256(buf)), `length ${buf.length}`).toBe(expected[i]));
  });

  it('streebog512 matches md_gost12_512 for random inputs of many lengths', () => {
    const buffers = lengths.map((n) => new Uint8Array(randomBytes(n)));
    const expected = opensslDigests('md_gost12_512', buffers);
    buffers.forEach((buf, i) => expect(hex(streebog512(buf)), `length ${buf.length}`).toBe(expected[i]));
  });

  it('matches for inputs built to stress the carry in the checksum (all 0xff bytes)', () => {
    const buffers = [64, 128, 640, 1000].map((n) => new Uint8Array(n).fill(0xff));
    const expected = opensslDigests('md_gost12_256', buffers);
    buffers.forEach((buf, i) => expect(hex(streebog256(buf))).toBe(expected[i]));
  });
});
