/**
 * What production mode refuses: development defaults that lose data, break sharing between
 * instances or are insecure. Development mode runs with them and prints one warning for each.
 */
import type { Config } from '../config/schema.ts';

export interface DevelopmentDefault {
  readonly key: string;
  readonly warning: string;
}

/** The development defaults this configuration relies on. */
export function developmentDefaults(config: Config): DevelopmentDefault[] {
  const found: DevelopmentDefault[] = [];
  if (!config.redisUrl && !config.redis) found.push({ key: 'redisUrl', warning: 'no REDIS_URL: the in-memory store is used (lost on restart, not shared between instances)' });
  // With Redis, missing keys are generated once and shared through it (broker/shared-keys.ts); production
  // still wants them configured: they are the region's secrets, not something to keep in Redis backups.
  const shared = Boolean(config.redisUrl || config.redis);
  if (!config.broker.signingKeys.length) {
    const what = shared ? 'generated once and kept in Redis for every instance' : 'generated at start (tokens die with the process)';
    found.push({ key: 'broker.signingKeys', warning: `no token-signing keys: a key is ${what}` });
  }
  if (!config.broker.cookieKeys.length) {
    const what = shared ? 'generated once and kept in Redis for every instance' : 'generated at start (sessions die with the process)';
    found.push({ key: 'broker.cookieKeys', warning: `no cookie keys: a key is ${what}` });
  }
  if (!config.broker.pairwiseSecret && config.broker.clients.some((c) => !c.journal)) {
    found.push({ key: 'broker.pairwiseSecret', warning: 'no pairwise secret: unbound clients get subject ids from the oldest cookie key, which change when it is rotated out' });
  }
  if (!config.esia) found.push({ key: 'esia', warning: 'no ESIA client configured: mock-esia is used' });
  if (config.broker.publicUrl && !config.broker.publicUrl.startsWith('https://')) {
    found.push({ key: 'broker.publicUrl', warning: 'the public URL is not https: cookies cannot be secure' });
  }
  if (config.broker.publicUrl?.startsWith('https://') && config.broker.trustProxy === false) {
    // The broker listens on plain HTTP, so an https public URL means a TLS-terminating proxy in front.
    found.push({ key: 'broker.trustProxy', warning: 'the public URL is https but the proxy is not trusted: cookies are not marked Secure and discovery shows http URLs' });
  }
  if (!config.broker.publicUrl) found.push({ key: 'broker.publicUrl', warning: 'no public URL: http://host:port is used' });
  for (const t of config.broker.admin.tokens) {
    if (t.token && isWeakToken(t.token)) {
      found.push({ key: `broker.admin.tokens.${t.name}`, warning: 'a weak admin token (use e.g. `openssl rand -base64 32`, or give only tokenSha256)' });
    }
  }
  return found;
}

/** Throws listing every development default when the mode is production. */
export function assertProductionReady(config: Config): void {
  if (config.mode !== 'production') return;
  const found = developmentDefaults(config);
  if (found.length) {
    throw new Error(`production mode refuses development defaults:\n  ${found.map((f) => `${f.key}: ${f.warning}`).join('\n  ')}`);
  }
}

/**
 * A token that cannot be random: too few different characters, or under about 120 bits even if each
 * character were drawn uniformly from those it uses (`aaaa…`, `abab…`, a word repeated).
 */
export function isWeakToken(token: string): boolean {
  const distinct = new Set(token).size;
  return distinct < 10 || token.length * Math.log2(distinct) < 120;
}
