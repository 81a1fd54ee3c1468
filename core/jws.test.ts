/** node:crypto JWS signatures, checked by jose's verification (ES256 and RS256), and a tampered one refused. */
import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwsSigner, type JwsAlg } from './jws.ts';

describe('createJwsSigner', () => {
  const pairs: Array<[JwsAlg, ReturnType<typeof generateKeyPairSync>]> = [
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ];
  for (const [alg, pair] of pairs) {
    it(`signs ${alg} tokens jose verifies, with the header and claims given`, async () => {
      const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const publicKey = await importSPKI(pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(), alg);
      const token = createJwsSigner(pem, alg)({ typ: 'JWT', kid: 'k1' }, { iss: 'broker', aud: 'journal', exp: Math.floor(Date.now() / 1000) + 60, jti: 'x' });
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, { issuer: 'broker', audience: 'journal', algorithms: [alg] });
      expect(protectedHeader).toEqual({ typ: 'JWT', kid: 'k1', alg });
      expect(payload.jti).toBe('x');
      const [h, p, s] = token.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, iss: 'someone' })).toString('base64url')}.${s}`;
      await expect(compactVerify(forged, publicKey)).rejects.toThrow();
      expect(p).toBeTruthy();
    });
  }
});
