/**
 * Starts mock-journal on a port from the loaded configuration. Without configured broker keys it
 * generates a development ES256 key pair, trusts its public half and writes the private key (and an
 * adapter config that uses it) to a temporary folder, printing where.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { listen } from '../core/listen.ts';
import type { JSONWebKeySet, JWK } from 'jose';
import type { Config } from '../config/schema.ts';
import { createMockJournal, type MockJournalApp, type MockJournalOptions } from './app.ts';

export interface RunningMockJournal {
  readonly app: MockJournalApp;
  readonly server: Server;
  /** The server's base URL. */
  readonly url: string;
  /** The API base URL (the assertions' audience). */
  readonly apiUrl: string;
  close(): Promise<void>;
}

/** Listens on the configured host and port (0 picks a free one). */
export async function serveMockJournal(config: Config, extra: Partial<MockJournalOptions> = {}): Promise<RunningMockJournal> {
  const { host, port, publicUrl, apiBasePath, brokerClientId, brokerJwks, oidc } = config.mockJournal;
  // Listen first, so that port 0 becomes a real port before the audience is fixed.
  const listener = await listen(port, host);
  const { server } = listener;
  const url = (publicUrl ?? listener.url).replace(/\/+$/, '');
  const apiUrl = `${url}${apiBasePath}`;
  const app = createMockJournal({
    audience: apiUrl,
    apiBasePath,
    brokerClientId,
    brokerJwks: brokerJwks as JSONWebKeySet | undefined,
    timeZone: config.timeZone,
    ...(oidc ? { oidc: { ...oidc } } : {}),
    ...extra,
  });
  server.on('request', app.callback());
  return {
    app,
    server,
    url,
    apiUrl,
    close: listener.close,
  };
}

/** A development broker key: the JWK Set to trust and the folder holding the private key. */
export interface DevBrokerKey {
  readonly jwks: JSONWebKeySet;
  readonly kid: string;
  readonly folder: string;
  readonly privateKeyFile: string;
  /** Writes an `http` adapter journal entry for `apiUrl` that uses this key; returns its path. */
  writeAdapterConfig(input: { apiUrl: string; clientId: string; journalId: string; journalName: string }): string;
}

/** Generates an ES256 key pair for the broker's assertions and writes the private key to a temporary folder. */
export function writeDevBrokerKey(): DevBrokerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `dev-${randomUUID().slice(0, 8)}`;
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' };
  const folder = mkdtempSync(join(tmpdir(), 'mock-journal-'));
  const privateKeyFile = join(folder, 'broker-assertion.key.pem');
  writeFileSync(privateKeyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  const jwks = { keys: [jwk] };
  writeFileSync(join(folder, 'broker.jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
  return {
    jwks,
    kid,
    folder,
    privateKeyFile,
    writeAdapterConfig({ apiUrl, clientId, journalId, journalName }) {
      const file = join(folder, 'journal.http-adapter.json');
      const entry = {
        type: 'http',
        id: journalId,
        name: journalName,
        config: { baseUrl: apiUrl, auth: { type: 'jwt', clientId, alg: 'ES256', kid, privateKeyPem: { file: privateKeyFile } } },
      };
      writeFileSync(file, `${JSON.stringify(entry, null, 2)}\n`);
      return file;
    },
  };
}
