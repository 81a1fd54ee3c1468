import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, requireGostEngine, withTempDir } from '../test/helpers/openssl-gost.ts';
import { Asn1Error, decodeDer } from './asn1.ts';
import { derBitString, derInteger, derOctetString, derOid, derSequence } from './asn1-encode.ts';
import { bigIntToBytesLE, concatBytes } from './binary.ts';
import { DEFAULT_CURVE, GOST_CURVES, curveByOid } from './curves.ts';
import { derivePublicKey, generateKeyPair } from './gost3410.ts';
import type { GostPrivateKey } from './gost3410.ts';
import {
  encodeGostAlgorithmIdentifier,
  encodeGostSpki,
  exportGostPrivateKeyDer,
  exportGostPrivateKeyPem,
  exportGostPublicKeyPem,
  parseGostPrivateKey,
  parseGostPublicKey,
} from './keys.ts';
import { OID } from './oids.ts';
import { fromPem, toPem } from './pem.ts';

/** PKCS#8 with an arbitrary privateKey OCTET STRING content, for the alternative encodings. */
function pkcs8With(key: GostPrivateKey, privateKeyContent: Uint8Array, algorithm?: Uint8Array): Uint8Array {
  return derSequence(derInteger(0), algorithm ?? encodeGostAlgorithmIdentifier(key.curve), derOctetString(privateKeyContent));
}

describe('GOST key formats', () => {
  it('round-trips private keys on every curve', () => {
    for (const curve of Object.values(GOST_CURVES)) {
      const { privateKey } = generateKeyPair(curve);
      const parsed = parseGostPrivateKey(exportGostPrivateKeyPem(privateKey));
      expect(parsed.d).toBe(privateKey.d);
      expect(parsed.curve.oid).toBe(curve.oid);
      expect(parseGostPrivateKey(exportGostPrivateKeyDer(privateKey)).d).toBe(privateKey.d);
    }
  });

  it('writes the engine layout: 32 little-endian bytes, digest OID only for CryptoPro sets', () => {
    const key: GostPrivateKey = { curve: DEFAULT_CURVE, d: 0x0102n };
    const der = exportGostPrivateKeyDer(key);
    const [, alg, priv] = decodeDer(der).children;
    expect(priv!.content).toEqual(bigIntToBytesLE(0x0102n, 32));
    expect(alg!.children[1]!.children).toHaveLength(2);
    const tc26 = exportGostPrivateKeyDer({ curve: curveByOid('1.2.643.7.1.2.1.1.1'), d: 5n });
    expect(decodeDer(tc26).children[1]!.children[1]!.children).toHaveLength(1);
  });

  it('reads the other private-key encodings the engine accepts', () => {
    const { privateKey } = generateKeyPair();
    const q = privateKey.curve.q;
    const asOctets = pkcs8With(privateKey, derOctetString(bigIntToBytesLE(privateKey.d, 32)));
    const asInteger = pkcs8With(privateKey, derInteger(privateKey.d));
    const mask = 0x1234567890abcdefn;
    const maskedValue = (privateKey.d * modInverse(mask, q)) % q;
    const masked = pkcs8With(privateKey, concatBytes(bigIntToBytesLE(maskedValue, 32), bigIntToBytesLE(mask, 32)));
    for (const der of [asOctets, asInteger, masked]) expect(parseGostPrivateKey(der).d).toBe(privateKey.d);
  });

  it('accepts the GOST 2001 algorithm OID on read', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const alg2001 = derSequence(
      derOid(OID.gost3410_2001),
      derSequence(derOid(DEFAULT_CURVE.oid), derOid(OID.gost3411_94_cryptopro)),
    );
    expect(parseGostPrivateKey(pkcs8With(privateKey, bigIntToBytesLE(privateKey.d, 32), alg2001)).d).toBe(privateKey.d);
    const point = concatBytes(bigIntToBytesLE(publicKey.x, 32), bigIntToBytesLE(publicKey.y, 32));
    const spki = derSequence(alg2001, derBitString(derOctetString(point)));
    expect(parseGostPublicKey(spki)).toMatchObject({ x: publicKey.x, y: publicKey.y });
  });

  it('round-trips public keys and checks the point', () => {
    const { publicKey } = generateKeyPair(curveByOid('1.2.643.2.2.35.3'));
    const parsed = parseGostPublicKey(exportGostPublicKeyPem(publicKey));
    expect(parsed).toMatchObject({ x: publicKey.x, y: publicKey.y });
    expect(parsed.curve.oid).toBe('1.2.643.2.2.35.3');
    const offCurve = encodeGostSpki({ ...publicKey, y: publicKey.y ^ 1n });
    expect(() => parseGostPublicKey(offCurve)).toThrow(/not on the curve/);
  });

  it('rejects what it cannot use', () => {
    const { privateKey } = generateKeyPair();
    const unknownSet = derSequence(derOid(OID.gost3410_2012_256), derSequence(derOid('1.2.643.2.2.35.9')));
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, bigIntToBytesLE(1n, 32), unknownSet))).toThrow(/unsupported GOST parameter set/);
    const alg512 = derSequence(derOid(OID.gost3410_2012_512), derSequence(derOid('1.2.643.7.1.2.1.2.1')));
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, new Uint8Array(64), alg512))).toThrow(/512-bit/);
    const rsa = derSequence(derOid(OID.rsaEncryption));
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, new Uint8Array(32), rsa))).toThrow(/not a GOST/);
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, new Uint8Array(32)))).toThrow(/out of range/);
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, bigIntToBytesLE(privateKey.curve.q, 32)))).toThrow(/out of range/);
    expect(() => parseGostPrivateKey(pkcs8With(privateKey, new Uint8Array(31).fill(1)))).toThrow(Asn1Error);
    expect(() => parseGostPrivateKey('-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n')).toThrow(/PRIVATE KEY/);
    expect(() => parseGostPrivateKey(Uint8Array.of(1, 2, 3))).toThrow(Asn1Error);
    const shortPoint = derSequence(encodeGostAlgorithmIdentifier(DEFAULT_CURVE), derBitString(derOctetString(new Uint8Array(32))));
    expect(() => parseGostPublicKey(shortPoint)).toThrow(/64 bytes/);
  });
});

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - t * r1, s1, s0 - t * s1];
  }
  return ((s0 % m) + m) % m;
}

const PARAMSETS = ['A', 'B', 'C', 'XA', 'XB', 'TCA', 'TCB', 'TCC', 'TCD'];

describe.runIf(requireGostEngine())('GOST keys: OpenSSL interop', () => {
  it.each(PARAMSETS)('reads and writes paramset %s exactly as the engine does', (paramset) => {
    withTempDir((dir) => {
      const keyPem = openssl(['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', `paramset:${paramset}`]).toString();
      const keyFile = join(dir, 'key.pem');
      writeFileSync(keyFile, keyPem);
      const pubPem = openssl(['pkey', '-engine', 'gost', '-in', keyFile, '-pubout']).toString();
      const text = openssl(['pkey', '-engine', 'gost', '-in', keyFile, '-text', '-noout']).toString();

      const priv = parseGostPrivateKey(keyPem);
      const pub = derivePublicKey(priv);
      expect(parseGostPublicKey(pubPem)).toMatchObject({ x: pub.x, y: pub.y });
      expect(BigInt(`0x${/Private key: ([0-9A-F]+)/.exec(text)![1]}`)).toBe(priv.d);
      expect(BigInt(`0x${/X:([0-9A-F]+)/.exec(text)![1]}`)).toBe(pub.x);

      expect(exportGostPrivateKeyPem(priv)).toBe(keyPem);
      expect(exportGostPublicKeyPem(pub)).toBe(pubPem);

      const ourFile = join(dir, 'ours.pem');
      writeFileSync(ourFile, exportGostPrivateKeyPem(priv));
      expect(openssl(['pkey', '-engine', 'gost', '-in', ourFile, '-pubout']).toString()).toBe(pubPem);
    });
  });

  it('agrees with the engine on the INTEGER, wrapped and masked private-key encodings', () => {
    withTempDir((dir) => {
      const { privateKey } = generateKeyPair();
      const q = privateKey.curve.q;
      const mask = 0xfedcba987654321n;
      const masked = concatBytes(bigIntToBytesLE((privateKey.d * modInverse(mask, q)) % q, 32), bigIntToBytesLE(mask, 32));
      const forms = [derInteger(privateKey.d), derOctetString(bigIntToBytesLE(privateKey.d, 32)), masked];
      for (const content of forms) {
        const file = join(dir, 'k.pem');
        writeFileSync(file, toPem(pkcs8With(privateKey, content), 'PRIVATE KEY'));
        const normalized = fromPem(openssl(['pkey', '-engine', 'gost', '-in', file]).toString(), 'PRIVATE KEY');
        expect(normalized).toEqual(exportGostPrivateKeyDer(privateKey));
      }
    });
  });
});
