/**
 * The system under test for the login and refresh benchmarks: a private redis-server; mock-esia and
 * mock-journal in one child process; the broker in its own child (Redis store, software GOST signer,
 * ES256 tokens, the journal through the HTTP adapter, as a region runs it); and, for the baseline, bare
 * node-oidc-provider in another child on the same Redis with the same settings.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDevSystem, devSystemRegistration } from '../../mock-esia/demo-system.ts';
import { compileServers, startChild, startRedis, type Child, type ProfileKind, type RedisServer } from './processes.ts';
import { SERVICE_NODE_FLAGS } from '../../core/heap.ts';
import type { RelyingParty } from './vu.ts';

export const JOURNAL_ID = 'demo-journal';
const CLIENT_ID = 'bench-journal-web';
const CLIENT_SECRET = randomBytes(32).toString('base64url');
/** The relying party's callback: never called (the virtual user reads the code from the redirect). */
const REDIRECT_URI = 'http://127.0.0.1:9/oidc/callback';
const SCOPE = 'openid profile role institution age_group';

/** Confirmed parents who are linked automatically at their first login and have one account each. */
export const PERSONAS = ['parent-ivanova', 'parent-smirnova'];

export interface Stack {
  readonly redis: RedisServer;
  readonly upstream: Child;
  readonly broker: Child;
  readonly bare?: Child;
  /** The relying party at the broker, and at the bare provider. */
  rp(target: 'broker' | 'bare', options?: { offline?: boolean }): RelyingParty;
  /** Commands Redis has processed so far. */
  redisCommands(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Node flags for both servers from `BENCH_NODE_FLAGS` (space-separated), to look inside a run: say
 * `--trace-opt` (what V8 compiles while measuring) or `--log-code --logfile=/tmp/v8.log` (every
 * function compiled, with its file and line, in one `isolate-…-<pid>-v8.log` per server). With it
 * set, the broker's output is kept rather than dropped, so traces reach the terminal with its logs.
 * Both servers start with the service's own flags (`SERVICE_NODE_FLAGS`, core/heap.ts) before these,
 * so these can override them: `--max-semi-space-size=16` measures V8's default young generation.
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

export async function startStack(options: { bare?: boolean; execArgv?: string[]; profileDir?: string; profileKind?: ProfileKind } = {}): Promise<Stack> {
  // The same flags for the broker and its baseline.
  const serverFlags = [...SERVICE_NODE_FLAGS, ...(options.execArgv ?? []), ...NODE_FLAGS];
  const profile = (name: string) => (options.profileDir ? { dir: options.profileDir, name, kind: options.profileKind ?? 'cpu' } : undefined);
  // Servers run compiled, as in production (`--tsx` keeps them under the TypeScript loader).
  if (!process.argv.includes('--tsx')) compileServers();
  const redis = await startRedis();
  const started: Child[] = [];
  const stopAll = async () => {
    for (const c of started.reverse()) await c.stop();
    await redis.stop();
  };
  try {
    const system = createDevSystem('BENCH-BROKER');
    const journalKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const journalJwk = { ...(journalKey.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'bench-broker', alg: 'ES256', use: 'sig' };
    const upstream = await startChild('./upstream-process.ts', { esiaClient: devSystemRegistration(system), journalJwk });
    started.push(upstream);
    const signingKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const brokerSection = {
      port: 0,
      signingKeys: [signingKey],
      cookieKeys: [randomBytes(32).toString('base64url')],
      clients: [{ clientId: CLIENT_ID, name: 'Электронный журнал (нагрузочный тест)', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT_URI], journal: JOURNAL_ID }],
    };
    const broker = await startChild(
      './broker-process.ts',
      {
        overrides: {
          redisUrl: redis.url,
          broker: brokerSection,
          esia: {
            environment: 'custom',
            baseUrl: upstream.info.esiaUrl,
            mnemonic: system.mnemonic,
            signer: { type: 'software', privateKey: system.privateKeyPem, certificate: system.certificatePem },
            pinnedCertificates: upstream.info.esiaCertificates,
          },
          journals: [
            {
              type: 'http',
              id: JOURNAL_ID,
              name: 'Электронный журнал (нагрузочный тест)',
              config: {
                baseUrl: upstream.info.journalApiUrl,
                auth: { type: 'jwt', clientId: 'esia-broker', alg: 'ES256', kid: 'bench-broker', privateKeyPem: journalKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
              },
            },
          ],
        },
      },
      serverFlags,
      NODE_FLAGS.length === 0,
      profile('broker'),
    );
    started.push(broker);
    const bare = options.bare ? await startChild('./bare-process.ts', { broker: brokerSection, redisUrl: redis.url }, serverFlags, false, profile('bare')) : undefined;
    if (bare) started.push(bare);
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    return {
      redis,
      upstream,
      broker,
      bare,
      rp: (target, rpOptions = {}) => ({
        issuer: String((target === 'broker' ? broker : bare!).info.url),
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUri: REDIRECT_URI,
        scope: rpOptions.offline ? `${SCOPE} offline_access` : SCOPE,
        extra: { role: 'parent', ...(rpOptions.offline ? { prompt: 'consent' } : {}) },
      }),
      redisCommands: async () => Number(/total_commands_processed:(\d+)/.exec(await client.info('stats'))![1]),
      stop: async () => {
        client.disconnect();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
