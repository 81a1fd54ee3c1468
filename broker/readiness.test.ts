import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/loader.ts';
import { assertProductionReady, developmentDefaults } from './readiness.ts';

describe('production readiness', () => {
  it('lists development defaults and refuses them in production', () => {
    const dev = loadConfig({ env: {} });
    expect(developmentDefaults(dev).map((d) => d.key)).toEqual(['redisUrl', 'broker.signingKeys', 'broker.cookieKeys', 'esia', 'broker.publicUrl']);
    expect(() => assertProductionReady(dev)).not.toThrow();
    const prod = loadConfig({ env: { BROKER_MODE: 'production', REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(() => assertProductionReady(prod)).toThrow(/broker\.signingKeys[\s\S]*broker\.cookieKeys[\s\S]*esia/);
    expect(() => assertProductionReady(prod)).not.toThrow(/redisUrl/);
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
