import { describe, expect, it } from 'vitest';
import { Asn1Error } from './asn1.ts';
import { decodePemBlocks, fromPem, looksLikePem, pemOrDerToDer, toPem } from './pem.ts';

describe('PEM', () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);

  it('wraps at 64 characters and round-trips', () => {
    const pem = toPem(der, 'CERTIFICATE');
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines[1]).toHaveLength(64);
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    expect(fromPem(pem, 'CERTIFICATE')).toEqual(der);
    expect(fromPem(pem)).toEqual(der);
  });

  it('picks the block with the requested label', () => {
    const text = `junk\n${toPem(Uint8Array.of(1), 'PRIVATE KEY')}${toPem(Uint8Array.of(2), 'CERTIFICATE')}`;
    expect(fromPem(text, 'CERTIFICATE')).toEqual(Uint8Array.of(2));
    expect(decodePemBlocks(text).map((b) => b.label)).toEqual(['PRIVATE KEY', 'CERTIFICATE']);
    expect(() => fromPem(text, 'PUBLIC KEY')).toThrow(Asn1Error);
    expect(pemOrDerToDer(text, ['CERTIFICATE'])).toEqual(Uint8Array.of(2));
  });

  it('rejects bad base64 and mismatched labels', () => {
    expect(() => fromPem('-----BEGIN X-----\nab$d\n-----END X-----')).toThrow(/base64/);
    expect(() => fromPem('-----BEGIN X-----\nAAAA\n-----END Y-----')).toThrow(/closed by/);
    expect(() => fromPem('no pem here')).toThrow(/no PEM block/);
  });

  it('tells PEM bytes from DER bytes', () => {
    const pem = toPem(der, 'CERTIFICATE');
    expect(looksLikePem(Buffer.from(pem))).toBe(true);
    expect(looksLikePem(Uint8Array.of(0x30, 0x03))).toBe(false);
    expect(pemOrDerToDer(Buffer.from(pem))).toEqual(der);
    expect(pemOrDerToDer(Uint8Array.of(0x30, 0x00))).toEqual(Uint8Array.of(0x30, 0x00));
  });
});
