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
});
