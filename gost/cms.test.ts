import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openssl, requireGostEngine, withTempDir } from '../test/helpers/openssl-gost.ts';
import { TagClass } from './asn1.ts';
import {
  derAlgorithmIdentifier,
  derElement,
  derExplicit,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSetOf,
} from './asn1-encode.ts';
import { createDetachedSignature, verifyDetachedSignature } from './cms.ts';
import { generateKeyPair, sign } from './gost3410.ts';
import type { GostPrivateKey } from './gost3410.ts';
import { parseGostPrivateKey } from './keys.ts';
import { OID } from './oids.ts';
import { certificateHash, createSelfSignedCertificate, parseCertificate } from './x509.ts';
import type { ParsedCertificate } from './x509.ts';

const content = new TextEncoder().encode('openid fullname|2026.11.23 19:00:00 +0300|client-id|state-uuid');

function makeSigner(): { privateKey: GostPrivateKey; cert: ParsedCertificate; pem: string } {
  const { privateKey } = generateKeyPair();
  const { pem } = createSelfSignedCertificate({
    subject: { commonName: 'Информационная система', country: 'RU' },
    key: { kind: 'gost', privateKey },
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return { privateKey, cert: parseCertificate(pem), pem };
}

/** A detached SignedData built by hand, for layouts createDetachedSignature does not produce. */
function handMadeSignedData(opts: {
  cert: ParsedCertificate;
  signature: Uint8Array;
  signedAttrs?: Uint8Array;
  eContent?: Uint8Array;
  signerInfos?: number;
  bySubjectKeyId?: boolean;
}): Uint8Array {
  const digest = derAlgorithmIdentifier(OID.gost3411_2012_256, derNull());
  const sid = opts.bySubjectKeyId
    ? derElement(TagClass.ContextSpecific, false, 0, opts.cert.subjectKeyIdentifier!)
    : derSequence(opts.cert.issuer.der, derInteger(opts.cert.serialNumber));
  const signerInfo = derSequence(
    derInteger(opts.bySubjectKeyId ? 3 : 1),
    sid,
    digest,
    ...(opts.signedAttrs ? [opts.signedAttrs] : []),
    derAlgorithmIdentifier(OID.gost3410_2012_256, derNull()),
    derOctetString(opts.signature),
  );
  const encap = opts.eContent
    ? derSequence(derOid(OID.data), derExplicit(0, derOctetString(opts.eContent)))
    : derSequence(derOid(OID.data));
  const signedData = derSequence(
    derInteger(1),
    derSetOf(digest),
    encap,
    derElement(TagClass.ContextSpecific, true, 0, opts.cert.der),
    derSetOf(...Array.from({ length: opts.signerInfos ?? 1 }, () => signerInfo)),
  );
  return derSequence(derOid(OID.signedData), derExplicit(0, signedData));
}

describe('detached CMS signatures', () => {
  const signer = makeSigner();

  it('creates a signature that verifies, with the certificate and signing time', () => {
    const signingTime = new Date(Date.UTC(2026, 10, 23, 16, 0, 0));
    for (const certificate of [signer.cert, signer.cert.der, signer.pem]) {
      const cms = createDetachedSignature({ content, certificate, privateKey: signer.privateKey, signingTime });
      const result = verifyDetachedSignature(cms, content);
      expect(result).toMatchObject({ ok: true, signingTime });
      if (result.ok) expect(certificateHash(result.certificate.der)).toBe(certificateHash(signer.cert.der));
    }
  });

  it('rejects tampered content, signatures and attributes', () => {
    const cms = createDetachedSignature({ content, certificate: signer.cert, privateKey: signer.privateKey });
    const otherContent = Uint8Array.from(content);
    otherContent[0]! ^= 1;
    expect(verifyDetachedSignature(cms, otherContent)).toEqual({ ok: false, reason: 'messageDigest does not match the content' });

    const badSig = Uint8Array.from(cms);
    badSig[badSig.length - 1]! ^= 1;
    expect(verifyDetachedSignature(badSig, content)).toEqual({ ok: false, reason: 'signature does not verify' });

    // Flip a digit of the signingTime attribute: still well-formed, but no longer what was signed.
    const timeAt = Buffer.from(cms).indexOf(Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05]));
    const badTime = Uint8Array.from(cms);
    badTime[timeAt + 11 + 4 + 11]! ^= 1; // skip the SET and UTCTime headers; last digit of the seconds
    expect(verifyDetachedSignature(badTime, content)).toEqual({ ok: false, reason: 'signature does not verify' });
  });

  it('never throws on truncated, mutated or random input', () => {
    const cms = createDetachedSignature({ content, certificate: signer.cert, privateKey: signer.privateKey });
    for (let len = 0; len < cms.length; len += 13) {
      expect(verifyDetachedSignature(cms.subarray(0, len), content).ok).toBe(false);
    }
    for (let i = 0; i < 200; i++) {
      expect(verifyDetachedSignature(randomBytes(1 + (i % 300)), content).ok).toBe(false);
    }
    for (let i = 0; i < cms.length; i += 3) {
      const mutated = Uint8Array.from(cms);
      mutated[i]! ^= 0x5a;
      const result = verifyDetachedSignature(mutated, content);
      expect(typeof result.ok).toBe('boolean');
    }
    expect(verifyDetachedSignature(new Uint8Array(0), content)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed CMS/) });
    expect(verifyDetachedSignature(null as unknown as Uint8Array, content).ok).toBe(false);
  });

  it('verifies a SignerInfo without signed attributes (signature over the content hash)', () => {
    const cms = handMadeSignedData({ cert: signer.cert, signature: sign(signer.privateKey, content) });
    const result = verifyDetachedSignature(cms, content);
    expect(result.ok).toBe(true);
    expect(result.ok && result.signingTime).toBe(undefined);
    expect(verifyDetachedSignature(cms, new Uint8Array(3)).ok).toBe(false);
  });

  it('finds the signer certificate by subjectKeyIdentifier (SignerInfo v3)', () => {
    const cms = handMadeSignedData({ cert: signer.cert, signature: sign(signer.privateKey, content), bySubjectKeyId: true });
    expect(verifyDetachedSignature(cms, content).ok).toBe(true);
    const other = makeSigner();
    const wrongCert = handMadeSignedData({ cert: other.cert, signature: sign(signer.privateKey, content) });
    expect(verifyDetachedSignature(wrongCert, content)).toEqual({ ok: false, reason: 'signature does not verify' });
  });

  it('rejects embedded content, several signers and a missing messageDigest', () => {
    const signature = sign(signer.privateKey, content);
    expect(verifyDetachedSignature(handMadeSignedData({ cert: signer.cert, signature, eContent: content }), content))
      .toMatchObject({ ok: false, reason: expect.stringMatching(/embedded/) });
    expect(verifyDetachedSignature(handMadeSignedData({ cert: signer.cert, signature, signerInfos: 2 }), content))
      .toMatchObject({ ok: false, reason: expect.stringMatching(/exactly one SignerInfo/) });
    const attrsSet = derSetOf(derSequence(derOid(OID.contentType), derSetOf(derOid(OID.data))));
    const attrs = Uint8Array.from(attrsSet);
    attrs[0] = 0xa0;
    const noDigest = handMadeSignedData({ cert: signer.cert, signature: sign(signer.privateKey, attrsSet), signedAttrs: attrs });
    expect(verifyDetachedSignature(noDigest, content)).toMatchObject({ ok: false, reason: expect.stringMatching(/messageDigest/) });
  });

  it('refuses to sign with a key that does not match the certificate', () => {
    const other = generateKeyPair().privateKey;
    expect(() => createDetachedSignature({ content, certificate: signer.cert, privateKey: other })).toThrow(/does not match/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaCert = createSelfSignedCertificate({ subject: { commonName: 'r' }, key: { kind: 'rsa', privateKey: rsa.privateKey }, notBefore: new Date(0), notAfter: new Date() });
    expect(() => createDetachedSignature({ content, certificate: rsaCert.der, privateKey: signer.privateKey })).toThrow(/GOST/);
  });
});

describe.runIf(requireGostEngine())('detached CMS: OpenSSL interop', () => {
  it('OpenSSL verifies our signature', () => {
    const signer = makeSigner();
    withTempDir((dir) => {
      const files = { cert: join(dir, 'cert.pem'), data: join(dir, 'data.bin'), sig: join(dir, 'sig.der') };
      writeFileSync(files.cert, signer.pem);
      writeFileSync(files.data, content);
      writeFileSync(files.sig, createDetachedSignature({ content, certificate: signer.cert, privateKey: signer.privateKey }));
      const common = ['cms', '-verify', '-engine', 'gost', '-binary', '-inform', 'DER', '-in', files.sig, '-content', files.data];
      expect(openssl([...common, '-noverify'])).toEqual(Buffer.from(content));
      expect(openssl([...common, '-CAfile', files.cert])).toEqual(Buffer.from(content));
      writeFileSync(files.data, 'other content');
      expect(() => openssl([...common, '-noverify'])).toThrow();
    });
  });

  it.each([
    ['with signed attributes', []],
    ['without signed attributes', ['-noattr']],
  ])('we verify an OpenSSL signature %s', (_name, extra) => {
    withTempDir((dir) => {
      const files = { key: join(dir, 'key.pem'), cert: join(dir, 'cert.pem'), data: join(dir, 'data.bin'), sig: join(dir, 'sig.der') };
      openssl([
        'req', '-x509', '-engine', 'gost', '-newkey', 'gost2012_256', '-pkeyopt', 'paramset:A', '-nodes',
        '-subj', '/CN=Система/O=Школа/C=RU', '-utf8', '-days', '2', '-keyout', files.key, '-out', files.cert,
      ]);
      writeFileSync(files.data, content);
      openssl([
        'cms', '-sign', '-engine', 'gost', '-binary', '-outform', 'DER', '-signer', files.cert, '-inkey', files.key,
        '-in', files.data, '-out', files.sig, ...extra,
      ]);
      const sig = readFileSync(files.sig);
      const result = verifyDetachedSignature(sig, content);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.certificate.der).toEqual(parseCertificate(readFileSync(files.cert, 'utf8')).der);
      expect(result.signingTime !== undefined).toBe(extra.length === 0);
      expect(verifyDetachedSignature(sig, new TextEncoder().encode('tampered')).ok).toBe(false);
      // Our signature with OpenSSL's key and certificate verifies too.
      const ours = createDetachedSignature({ content, certificate: result.certificate, privateKey: parseGostPrivateKey(readFileSync(files.key, 'utf8')) });
      expect(verifyDetachedSignature(ours, content).ok).toBe(true);
    });
  });
});
