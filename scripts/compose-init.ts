/**
 * The compose stack's one-shot setup (development only): the keys and secrets the broker, mock-esia
 * and mock-journal must agree on, written once into a shared folder (a volume) and kept across
 * restarts. `deploy/config.json` names them with `{"file": …}`; mock-journal's whole config is written
 * here, since it holds the broker's generated public key.
 *
 *   node dist/scripts/compose-init.js <folder>
 *
 * Environment: BROKER_PUBLIC_URL (the broker's issuer, for mock-journal's login button).
 * A production deployment has none of this: real ESIA, the region's own keys, its journals.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createDevSystem } from '../mock-esia/demo-system.ts';
import { DEFAULT_CURVE, generateKeyPair, createSelfSignedCertificate, exportGostPrivateKeyPem } from '../gost/index.ts';

const JOURNAL_ASSERTION_KID = 'compose-broker';

function main(): void {
  const folder = process.argv[2];
  const issuer = process.env.BROKER_PUBLIC_URL;
  if (!folder || !issuer) {
    console.error('usage: BROKER_PUBLIC_URL=<url> compose-init <folder>');
    process.exit(2);
  }
  mkdirSync(folder, { recursive: true });
  const marker = join(folder, 'mock-journal.json');
  if (existsSync(marker)) {
    console.log(`compose-init: secrets already in ${folder}, nothing to do`);
    return;
  }
  const write = (name: string, text: string, mode = 0o600) => writeFileSync(join(folder, name), text, { mode });
  const now = new Date();

  // The broker's ESIA system: its GOST key and certificate, registered at mock-esia.
  const system = createDevSystem('ESIA-BROKER');
  write('system.key.pem', system.privateKeyPem);
  write('system.cert.pem', system.certificatePem, 0o644);

  // mock-esia's token-signing key: the broker pins its certificate.
  const { privateKey: esiaKey } = generateKeyPair(DEFAULT_CURVE);
  const esiaCert = createSelfSignedCertificate({
    subject: { commonName: 'ЕСИА (mock, compose)', organization: 'Минцифры России (mock)', country: 'RU' },
    key: { kind: 'gost', privateKey: esiaKey },
    notBefore: new Date(now.getTime() - 86_400_000),
    notAfter: new Date(now.getTime() + 5 * 365 * 86_400_000),
  });
  write('esia-signing.key.pem', exportGostPrivateKeyPem(esiaKey));
  write('esia-signing.cert.pem', esiaCert.pem, 0o644);

  // The broker's key for the journal API (ES256 client assertions), and the journal's client secret.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  write('journal-api.key.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  const clientSecret = randomBytes(32).toString('base64url');
  write('journal-client-secret', clientSecret);
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: JOURNAL_ASSERTION_KID, alg: 'ES256', use: 'sig' };
  write(
    'mock-journal.json',
    `${JSON.stringify({ mockJournal: { brokerJwks: { keys: [jwk] }, oidc: { issuer, clientId: 'demo-journal-web', clientSecret, allowHttp: true } } }, null, 2)}\n`,
  );
  console.log(`compose-init: wrote development keys and secrets to ${folder}`);
}

main();
