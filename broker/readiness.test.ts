import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/loader.ts';
import { assertProductionReady, developmentDefaults, isWeakToken } from './readiness.ts';

describe('production readiness', () => {
  it('lists development defaults and refuses them in production', () => {
    const dev = loadConfig({ env: {} });
    expect(developmentDefaults(dev).map((d) => d.key)).toEqual(['redisUrl', 'broker.signingKeys', 'broker.cookieKeys', 'esia', 'broker.publicUrl']);
    expect(() => assertProductionReady(dev)).not.toThrow();
    const prod = loadConfig({ env: { BROKER_MODE: 'production', REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(() => assertProductionReady(prod)).toThrow(/broker\.signingKeys[\s\S]*broker\.cookieKeys[\s\S]*esia/);
    expect(() => assertProductionReady(prod)).not.toThrow(/redisUrl/);
  });

  it('refuses weak admin tokens in production', () => {
    expect(isWeakToken('a'.repeat(64))).toBe(true);
    expect(isWeakToken('admin-admin-admin-admin-admin-admin')).toBe(true);
    expect(isWeakToken('q4M0yP6qk1N9vXb2Zr8Lw3Tc5Hs7Jd0Ef2Ga4Ub6Vn8=')).toBe(false);
    expect(isWeakToken('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toBe(false);
    const file = join(mkdtempSync(join(tmpdir(), 'readiness-')), 'config.json');
    const tokens = [
      { name: 'weak', token: 'admin-admin-admin-admin-admin-admin', scopes: ['read'] },
      { name: 'hashed', tokenSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', scopes: ['read', 'write'] },
    ];
    writeFileSync(file, JSON.stringify({ broker: { admin: { tokens } } }));
    const config = loadConfig({ env: { CONFIG_FILE: file } });
    expect(developmentDefaults(config).map((d) => d.key)).toContain('broker.admin.tokens.weak');
    expect(developmentDefaults(config).map((d) => d.key)).not.toContain('broker.admin.tokens.hashed');
  });

  it('wants the proxy trusted when the public URL is https (the broker itself speaks plain HTTP)', () => {
    const untrusted = loadConfig({ env: { PUBLIC_URL: 'https://login.example.ru' } });
    expect(developmentDefaults(untrusted).map((d) => d.key)).toContain('broker.trustProxy');
    const trusted = loadConfig({ env: { PUBLIC_URL: 'https://login.example.ru', TRUST_PROXY: '1' } });
    expect(trusted.broker.trustProxy).toBe(1);
    expect(developmentDefaults(trusted).map((d) => d.key)).not.toContain('broker.trustProxy');
    expect(loadConfig({ env: { TRUST_PROXY: 'true' } }).broker.trustProxy).toBe(true);
    expect(() => loadConfig({ env: { TRUST_PROXY: 'yes' } })).toThrow(/TRUST_PROXY: expected true, false or a number of proxies/);
  });

  it('says that missing keys are shared through Redis when there is one', () => {
    const dev = loadConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(developmentDefaults(dev).find((d) => d.key === 'broker.cookieKeys')?.warning).toMatch(/kept in Redis for every instance/);
  });
});
