/**
 * The broker's keys when several instances share one Redis. Configured keys always win. A key the
 * config lacks is generated once for all instances: the first instance to start writes its candidate
 * with SET NX (exactly one write wins, with no expiry), and every instance, the writer included, uses
 * what Redis holds. So tokens signed by one instance verify against the JWKS of another, and a cookie
 * set by one is read by the next. Production refuses generated keys (`readiness.ts`): there the keys
 * are the region's secrets, configured on every instance, and never sit in Redis or its backups.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RedisClient } from './store/redis-script.ts';
import { signingJwkFromPem, type BrokerKeys } from './keys.ts';

/** Redis keys (under the store's prefix). Durable: they carry no TTL. */
export const SHARED_SIGNING_KEY = 'broker-keys:signing';
export const SHARED_COOKIE_KEY = 'broker-keys:cookie';

const signingSchema = z.array(z.string().includes('-----BEGIN PRIVATE KEY-----')).min(1);
const cookieSchema = z.array(z.string().min(32)).min(1);

/** Writes `candidate` unless a value is there, and returns the value Redis holds afterwards. */
async function shared(redis: RedisClient, key: string, candidate: string[], schema: z.ZodType<string[]>): Promise<string[]> {
  await redis.set(key, JSON.stringify(candidate), 'NX');
  const stored = await redis.get(key);
  if (stored === null) throw new Error(`shared broker keys: ${key} vanished right after it was written`);
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  // Never echo the stored value: it is a secret.
  if (!parsed.success) throw new Error(`shared broker keys: ${key} in Redis is malformed; delete it to generate a new one`);
  return parsed.data;
}

/**
 * The configured keys, completed by the ones all instances share through Redis. `generated` lists
 * the parts that did not come from the config.
 */
export async function sharedBrokerKeys(
  config: { signingKeys: readonly string[]; cookieKeys: readonly string[] },
  redis: RedisClient,
): Promise<BrokerKeys> {
  const generated: Array<'signing' | 'cookie'> = [];
  let signingPems = [...config.signingKeys];
  if (!signingPems.length) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    signingPems = await shared(redis, SHARED_SIGNING_KEY, [privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()], signingSchema);
    generated.push('signing');
  }
  let cookieKeys = [...config.cookieKeys];
  if (!cookieKeys.length) {
    cookieKeys = await shared(redis, SHARED_COOKIE_KEY, [randomBytes(32).toString('base64url')], cookieSchema);
    generated.push('cookie');
  }
  return { jwks: { keys: signingPems.map(signingJwkFromPem) }, cookieKeys, generated };
}
