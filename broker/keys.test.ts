import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadBrokerKeys, signingJwkFromPem } from './keys.ts';

const pem = (type: 'ec' | 'rsa') =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  )
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();

describe('broker keys', () => {
  it('loads several signing keys in order (the first signs, all are published) with stable kids', () => {
    const [a, b] = [pem('ec'), pem('rsa')];
    const keys = loadBrokerKeys({ signingKeys: [a, b], cookieKeys: ['c'.repeat(32)] });
    expect(keys.jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    expect(keys.jwks.keys[0]!.kid).toBe(signingJwkFromPem(a).kid);
    expect(new Set(keys.jwks.keys.map((k) => k.kid)).size).toBe(2);
    expect(keys.generated).toEqual([]);
  });

  it('generates missing keys and says so', () => {
    const keys = loadBrokerKeys({ signingKeys: [], cookieKeys: [] });
    expect(keys.generated).toEqual(['signing', 'cookie']);
    expect(keys.jwks.keys[0]!.alg).toBe('ES256');
  });

  it('refuses weak or unsupported keys', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => signingJwkFromPem(small)).toThrow(/RSA of at least 2048 bits/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => signingJwkFromPem(p384)).toThrow(/P-256/);
  });
});
