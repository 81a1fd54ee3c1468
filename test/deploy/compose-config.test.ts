/**
 * The compose stack's configuration: the setup step's secrets and `deploy/config.json` load through
 * the one loader for the broker (with the adapter schemas), mock-esia and mock-journal, and they
 * agree: mock-esia signs with the key whose certificate the broker pins, and knows the broker's
 * system certificate.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/loader.ts';
import { adapterSchemas } from '../../adapters/registry.ts';
import { serveMockEsia } from '../../mock-esia/serve.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the compose configuration', () => {
  it('loads for every service and agrees on the keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-config-'));
    const secrets = join(dir, 'secrets');
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/compose-init.ts', secrets], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', BROKER_PUBLIC_URL: 'http://broker.localhost:8080' },
    });
    const text = readFileSync(join(ROOT, 'deploy', 'config.json'), 'utf8').replaceAll('/var/lib/esia-broker/secrets', secrets);
    writeFileSync(join(dir, 'config.json'), text);
    const env = { CONFIG_FILE: join(dir, 'config.json'), REDIS_URL: 'redis://redis:6379', PUBLIC_URL: 'http://broker.localhost:8080', TRUST_PROXY: '1' };

    const config = loadConfig({ env, adapters: adapterSchemas() });
    expect(config.broker.trustProxy).toBe(1);
    expect(config.esia?.pinnedCertificates).toEqual([readFileSync(join(secrets, 'esia-signing.cert.pem'), 'utf8')]);
    const journal = loadConfig({ env: { CONFIG_FILE: join(secrets, 'mock-journal.json') } }).mockJournal;
    expect(journal.oidc).toMatchObject({ issuer: 'http://broker.localhost:8080', clientId: config.broker.clients[0]!.clientId, allowHttp: true });
    expect(journal.oidc!.clientSecret).toBe(config.broker.clients[0]!.clientSecret);
    expect(journal.brokerJwks!.keys[0]).toMatchObject({ kid: 'compose-broker' });

    // mock-esia signs with the configured key: the broker's pinned certificate is the one it publishes.
    const esia = await serveMockEsia(loadConfig({ env: { CONFIG_FILE: join(dir, 'config.json'), MOCK_ESIA_PORT: '0' } }));
    try {
      const published = esia.app.esia.deps.keys.published().map((k) => k.certificatePem.trim());
      expect(published).toContain(config.esia!.pinnedCertificates[0]!.trim());
      expect(esia.url).toBe('http://esia.localhost:8081');
    } finally {
      await esia.close();
    }
    // Run again: the secrets stay as they are.
    const before = readFileSync(join(secrets, 'journal-client-secret'), 'utf8');
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/compose-init.ts', secrets], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', BROKER_PUBLIC_URL: 'http://broker.localhost:8080' },
    });
    expect(readFileSync(join(secrets, 'journal-client-secret'), 'utf8')).toBe(before);
  }, 60_000);
});
