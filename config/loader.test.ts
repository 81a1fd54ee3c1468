import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loader.ts';

const examples = fileURLToPath(new URL('./examples/', import.meta.url));

describe('loadConfig', () => {
  it('parses the example configs', () => {
    const config = loadConfig({ env: { CONFIG_FILE: join(examples, 'development.json') } });
    expect(config.mode).toBe('development');
    expect(config.mockEsia.clients[0]?.mnemonic).toBe('DEMO-JOURNAL');
    expect(config.mockEsia.clients[0]?.codeTtlSeconds).toBe(240);
  });

  it('fills defaults without a file and freezes the result', () => {
    const config = loadConfig({ env: {} });
    expect(config.mockEsia.port).toBe(3001);
    expect(config.timeZone).toBe('Europe/Samara');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.mockEsia)).toBe(true);
    expect(() => {
      (config.mockEsia as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('applies environment overrides over the file', () => {
    const config = loadConfig({
      env: { CONFIG_FILE: join(examples, 'development.json'), MOCK_ESIA_PORT: '4100', BROKER_MODE: 'production' },
    });
    expect(config.mockEsia.port).toBe(4100);
    expect(config.mode).toBe('production');
  });

  it('reports every problem at once with its key path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ mode: 'staging', timeZone: 'Mars/Olympus', mockEsia: { clients: [{ mnemonic: 'lower case', domains: [] }] } }),
    );
    let error: unknown;
    try {
      loadConfig({ env: { CONFIG_FILE: file, MOCK_ESIA_PORT: 'abc' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/MOCK_ESIA_PORT: expected an integer/);
    expect(problems).toMatch(/^mode: /m);
    expect(problems).toMatch(/^timeZone: unknown IANA time zone/m);
    expect(problems).toMatch(/^mockEsia\.clients\.0\.mnemonic: /m);
    expect(problems).toMatch(/^mockEsia\.clients\.0\.domains: /m);
  });

  it('rejects unknown keys', () => {
    expect(() => loadConfig({ env: {}, overrides: { mockEsia: { prot: 1 } } })).toThrow(/mockEsia: Unrecognized key/);
  });

  it('reads {"file": …} references relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'token.txt'), 'a-long-enough-admin-token');
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ mockEsia: { adminToken: { file: 'token.txt' } } }));
    expect(loadConfig({ env: { CONFIG_FILE: join(dir, 'c.json') } }).mockEsia.adminToken).toBe('a-long-enough-admin-token');
    writeFileSync(join(dir, 'd.json'), JSON.stringify({ mockEsia: { adminToken: { file: 'missing.txt' } } }));
    expect(() => loadConfig({ env: { CONFIG_FILE: join(dir, 'd.json') } })).toThrow(/mockEsia\.adminToken: cannot read file/);
  });

  it('reports an unreadable config file', () => {
    expect(() => loadConfig({ env: { CONFIG_FILE: '/nonexistent/config.json' } })).toThrow(/CONFIG_FILE: cannot read/);
  });

  it('accepts Redis Sentinel or Cluster settings instead of a URL, not both', () => {
    const sentinel = loadConfig({ env: {}, overrides: { redis: { sentinels: [{ host: '10.0.0.5', port: 26379 }], name: 'broker' } } });
    expect(sentinel.redis).toMatchObject({ name: 'broker' });
    const cluster = loadConfig({ env: {}, overrides: { redis: { cluster: [{ host: '10.0.0.6', port: 7000 }] } } });
    expect(cluster.redis).toMatchObject({ cluster: [{ host: '10.0.0.6', port: 7000 }] });
    expect(() => loadConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' }, overrides: { redis: { cluster: [{ host: 'a', port: 1 }] } } })).toThrow(
      /redis: give either redisUrl or redis/,
    );
  });
});
