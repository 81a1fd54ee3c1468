/**
 * Starts mock-esia on a port from the loaded configuration. Without configured systems it registers a
 * development system and writes its key and certificate to a temporary folder, printing where.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { listen } from '../core/listen.ts';
import type { Config } from '../config/schema.ts';
import { createMockEsia, type MockEsiaApp, type MockEsiaOptions } from './app.ts';
import { createDevSystem, devSystemRegistration } from './demo-system.ts';

export interface RunningMockEsia {
  readonly app: MockEsiaApp;
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on the configured host and port (0 picks a free one). */
export async function serveMockEsia(config: Config, extra: Partial<MockEsiaOptions> = {}): Promise<RunningMockEsia> {
  const { host, port, publicUrl, clients, timestampWindowSeconds, adminToken, signingKeys } = config.mockEsia;
  const listener = await listen(port, host);
  const { server } = listener;
  const url = publicUrl ?? listener.url;
  const app = createMockEsia({
    baseUrl: url,
    clients,
    timeZone: config.timeZone,
    timestampWindowSeconds,
    adminToken,
    signingKeys: signingKeys
      ? Object.fromEntries(Object.entries(signingKeys).map(([alg, k]) => [alg, { privateKeyPem: k.privateKey, certificatePem: k.certificate }]))
      : undefined,
    ...extra,
  });
  server.on('request', app.callback());
  return {
    app,
    server,
    url,
    close: listener.close,
  };
}

/** A development system written to a temporary folder, for mock-esia running without configured systems. */
export function writeDevSystem(mnemonic: string): { registration: ReturnType<typeof devSystemRegistration>; folder: string; certificateHash: string } {
  const system = createDevSystem(mnemonic);
  const folder = mkdtempSync(join(tmpdir(), 'mock-esia-'));
  writeFileSync(join(folder, 'system.key.pem'), system.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(folder, 'system.cert.pem'), system.certificatePem);
  return { registration: devSystemRegistration(system), folder, certificateHash: system.certificateHash };
}
