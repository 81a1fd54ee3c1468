import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, requireGostEngine, withTempDir } from '../test/helpers/openssl-gost.ts';
import { Asn1Error } from './asn1.ts';
import { curveByOid } from './curves.ts';
import { generateKeyPair } from './gost3410.ts';
import { parseGostPrivateKey } from './keys.ts';
import { OID } from './oids.ts';
import {
  certificateHash,
  createSelfSignedCertificate,
  nameAttribute,
  parseCertificate,
  verifyCertificateSignature,
} from './x509.ts';

const notBefore = new Date(Date.UTC(2025, 0, 1));
const notAfter = new Date(Date.UTC(2035, 0, 1));

describe('self-signed certificates', () => {
  it('creates and parses a GOST certificate with a Cyrillic subject', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const { der, pem } = createSelfSignedCertificate({
      subject: { commonName: 'Информационная система «Школа»', organization: 'ГБОУ Школа № 1', country: 'RU' },
      key: { kind: 'gost', privateKey },
      notBefore,
      notAfter,
      serialNumber: 0x1234n,
    });
    const cert = parseCertificate(pem);
    expect(cert.der).toEqual(der);
    expect(parseCertificate(der).tbsDer).toEqual(cert.tbsDer);
    expect(cert.version).toBe(3);
    expect(cert.serialNumber).toBe(0x1234n);
    expect(cert.subject.text).toBe('C=RU, O=ГБОУ Школа № 1, CN=Информационная система «Школа»');
    expect(cert.issuer.der).toEqual(cert.subject.der);
    expect(nameAttribute(cert.subject, '2.5.4.3')).toBe('Информационная система «Школа»');
    expect(cert.notBefore).toEqual(notBefore);
    expect(cert.notAfter).toEqual(notAfter);
    expect(cert.signatureAlgorithmOid).toBe(OID.signWithDigestGost3410_2012_256);
    expect(cert.signature).toHaveLength(64);
    expect(cert.publicKey.kind).toBe('gost');
    if (cert.publicKey.kind === 'gost') expect(cert.publicKey.key).toMatchObject({ x: publicKey.x, y: publicKey.y });
    expect(cert.subjectKeyIdentifier).toHaveLength(20);
    expect(cert.extensions.map((e) => [e.oid, e.critical])).toEqual([
      [OID.subjectKeyIdentifier, false],
      [OID.authorityKeyIdentifier, false],
      [OID.basicConstraints, true],
    ]);
    expect(verifyCertificateSignature(cert)).toBe(true);
    expect(verifyCertificateSignature(cert, cert.publicKey)).toBe(true);
  });

  it('uses GeneralizedTime after 2049 and a random positive serial', () => {
    const { privateKey } = generateKeyPair(curveByOid('1.2.643.7.1.2.1.1.1'));
    const far = new Date(Date.UTC(2060, 5, 1, 12));
    const a = parseCertificate(createSelfSignedCertificate({ subject: { commonName: 'x' }, key: { kind: 'gost', privateKey }, notBefore, notAfter: far }).der);
    const b = parseCertificate(createSelfSignedCertificate({ subject: { commonName: 'x' }, key: { kind: 'gost', privateKey }, notBefore, notAfter: far }).der);
    expect(a.notAfter).toEqual(far);
    expect(a.serialNumber > 0n && a.serialNumber !== b.serialNumber).toBe(true);
    expect(a.subject.text).toBe('CN=x');
    expect(verifyCertificateSignature(a)).toBe(true);
  });

  it('creates and verifies an RSA certificate', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = parseCertificate(createSelfSignedCertificate({ subject: { commonName: 'ЕСИА тест' }, key: { kind: 'rsa', privateKey }, notBefore, notAfter }).der);
    expect(cert.publicKey.kind).toBe('rsa');
    expect(cert.signatureAlgorithmOid).toBe(OID.sha256WithRsaEncryption);
    expect(verifyCertificateSignature(cert)).toBe(true);
  });

  it('rejects tampered certificates and wrong issuer keys', () => {
    const { privateKey } = generateKeyPair();
    const { der } = createSelfSignedCertificate({ subject: { commonName: 'a' }, key: { kind: 'gost', privateKey }, notBefore, notAfter });
    const cert = parseCertificate(der);
    const other = parseCertificate(createSelfSignedCertificate({ subject: { commonName: 'b' }, key: { kind: 'gost', privateKey: generateKeyPair().privateKey }, notBefore, notAfter }).der);
    expect(verifyCertificateSignature(cert, other.publicKey)).toBe(false);
    const badSig = { ...cert, signature: cert.signature.map((b, i) => (i === 5 ? b ^ 1 : b)) };
    expect(verifyCertificateSignature(badSig)).toBe(false);
    const cnAt = Buffer.from(der).indexOf(Buffer.from([0x0c, 0x01, 0x61]));
    const tampered = Uint8Array.from(der);
    tampered[cnAt + 2] = 0x62;
    expect(verifyCertificateSignature(parseCertificate(tampered))).toBe(false);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaCert = parseCertificate(createSelfSignedCertificate({ subject: { commonName: 'r' }, key: { kind: 'rsa', privateKey: rsa.privateKey }, notBefore, notAfter }).der);
    expect(verifyCertificateSignature(rsaCert, cert.publicKey)).toBe(false);
    expect(verifyCertificateSignature(cert, rsaCert.publicKey)).toBe(false);
  });

  it('validates its inputs', () => {
    const { privateKey } = generateKeyPair();
    const key = { kind: 'gost' as const, privateKey };
    expect(() => createSelfSignedCertificate({ subject: { commonName: 'a' }, key, notBefore: notAfter, notAfter: notBefore })).toThrow(RangeError);
    expect(() => createSelfSignedCertificate({ subject: { commonName: 'a', country: 'Russia' }, key, notBefore, notAfter })).toThrow(/country/);
    expect(() => createSelfSignedCertificate({ subject: { commonName: 'a' }, key, notBefore, notAfter, serialNumber: 0n })).toThrow(/positive/);
  });

  it('throws Asn1Error on garbage', () => {
    expect(() => parseCertificate(randomBytes(200))).toThrow(Asn1Error);
    expect(() => parseCertificate('not a certificate')).toThrow(Asn1Error);
    const { privateKey } = generateKeyPair();
    const { der } = createSelfSignedCertificate({ subject: { commonName: 'a' }, key: { kind: 'gost', privateKey }, notBefore, notAfter });
    for (let len = 0; len < der.length; len += 7) expect(() => parseCertificate(der.subarray(0, len))).toThrow(Asn1Error);
  });

  it('certificateHash is 64 upper-case hex digits', () => {
    expect(certificateHash(new Uint8Array(0))).toBe('3F539A213E97C802CC229D474C6AA32A825A360B2A933A949FD925208D9CE1BB');
  });
});

describe.runIf(requireGostEngine())('certificates: OpenSSL interop', () => {
  it('parses and verifies an OpenSSL-made GOST certificate; hash matches openssl dgst', () => {
    withTempDir((dir) => {
      const keyFile = join(dir, 'key.pem');
      const certFile = join(dir, 'cert.pem');
      openssl([
        'req', '-x509', '-engine', 'gost', '-newkey', 'gost2012_256', '-pkeyopt', 'paramset:A', '-nodes',
        '-subj', '/CN=Тест/O=Школа/C=RU', '-utf8', '-days', '30', '-keyout', keyFile, '-out', certFile,
      ]);
      const cert = parseCertificate(readFileSync(certFile, 'utf8'));
      expect(cert.subject.text).toBe('CN=Тест, O=Школа, C=RU');
      expect(cert.signatureAlgorithmOid).toBe(OID.signWithDigestGost3410_2012_256);
      expect(verifyCertificateSignature(cert)).toBe(true);
      const serial = openssl(['x509', '-in', certFile, '-noout', '-serial']).toString().trim().split('=')[1]!;
      expect(cert.serialNumber).toBe(BigInt(`0x${serial}`));

      const derFile = join(dir, 'cert.der');
      writeFileSync(derFile, cert.der);
      const dgst = openssl(['dgst', '-engine', 'gost', '-md_gost12_256', derFile]).toString();
      expect(certificateHash(cert.der)).toBe(/= ([0-9a-f]{64})/.exec(dgst)![1]!.toUpperCase());

      const key = parseGostPrivateKey(readFileSync(keyFile, 'utf8'));
      if (cert.publicKey.kind !== 'gost') throw new Error('expected a GOST key');
      expect(key.curve.oid).toBe(cert.publicKey.key.curve.oid);
    });
  });

  it.each(['A', 'B', 'C', 'TCA'])('OpenSSL accepts our GOST certificate (paramset %s)', (paramset) => {
    withTempDir((dir) => {
      const keyPem = openssl(['genpkey', '-engine', 'gost', '-algorithm', 'gost2012_256', '-pkeyopt', `paramset:${paramset}`]).toString();
      const privateKey = parseGostPrivateKey(keyPem);
      const { pem } = createSelfSignedCertificate({
        subject: { commonName: 'Тестовая система', organization: 'Школа', country: 'RU' },
        key: { kind: 'gost', privateKey },
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      const certFile = join(dir, 'ours.pem');
      writeFileSync(certFile, pem);
      const text = openssl(['x509', '-engine', 'gost', '-in', certFile, '-noout', '-text', '-nameopt', 'utf8']).toString();
      expect(text).toContain('CN=Тестовая система');
      expect(text).toContain('GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)');
      expect(openssl(['verify', '-engine', 'gost', '-CAfile', certFile, certFile]).toString()).toContain('OK');
      const keyFile = join(dir, 'key.pem');
      writeFileSync(keyFile, keyPem);
      const certPub = openssl(['x509', '-engine', 'gost', '-in', certFile, '-noout', '-pubkey']).toString();
      expect(certPub).toBe(openssl(['pkey', '-engine', 'gost', '-in', keyFile, '-pubout']).toString());
    });
  });

  it('OpenSSL accepts our RSA certificate', () => {
    withTempDir((dir) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const { pem } = createSelfSignedCertificate({
        subject: { commonName: 'Брокер', country: 'RU' },
        key: { kind: 'rsa', privateKey },
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
      });
      const certFile = join(dir, 'rsa.pem');
      writeFileSync(certFile, pem);
      expect(openssl(['verify', '-CAfile', certFile, certFile]).toString()).toContain('OK');
      expect(verifyCertificateSignature(parseCertificate(pem))).toBe(true);
    });
  });

  it('parses an OpenSSL-made RSA certificate', () => {
    withTempDir((dir) => {
      const certFile = join(dir, 'rsa.pem');
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=esia-test', '-days', '2', '-keyout', join(dir, 'k.pem'), '-out', certFile]);
      const cert = parseCertificate(readFileSync(certFile));
      expect(cert.publicKey.kind).toBe('rsa');
      expect(cert.subject.text).toBe('CN=esia-test');
      expect(verifyCertificateSignature(cert)).toBe(true);
    });
  });
});
