/**
 * A real broker for tests: mock-esia over HTTP, the roster adapter over the personas' journal seed,
 * the in-memory store (or one passed in), served on an ephemeral port; openid-client as the relying
 * party; a scripted browser that clicks through the broker's and mock-esia's pages.
 */
import { webcrypto } from 'node:crypto';
import { listen } from '../../core/listen.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { brokerSchema } from '../../config/broker.ts';
import { buildJournalSeed } from '../../fixtures/journal-seed.ts';
import { rosterAdapter } from '../../adapters/roster/index.ts';
import { writeRosterFixture } from '../../adapters/roster/fixture.ts';
import { sqlAdapter } from '../../adapters/sql/index.ts';
import { fixtureAdapterConfig } from '../../adapters/sql/fixture/queries.ts';
import { createScratchDatabase, seedJournalDatabase } from '../../adapters/sql/fixture/seed.ts';
import type { JournalAdapter } from '../../adapters/types.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { createMetrics } from '../../broker/metrics.ts';
import { createOutbound } from '../../core/outbound.ts';
import { createBroker, type Broker } from '../../broker/app.ts';
import { createTestStores } from './stores.ts';
import { createLinkStore } from '../../broker/links/store.ts';
import { createAuditLog } from '../../broker/audit/log.ts';
import { createConsentStore } from '../../broker/consent/store.ts';
import type { KeyValueStore } from '../../broker/store/types.ts';
import { esiaClientFor, ScriptedBrowser, startMockEsia, type MockEsiaEnv } from './mock-esia.ts';

export const JOURNAL_ID = 'demo-journal';
export const CLIENT_ID = 'demo-journal-web';
export const CLIENT_SECRET = 'a-test-client-secret-of-at-least-32-characters';
export const RP_REDIRECT = 'http://127.0.0.1:9998/oidc/callback';
export const RP_LINK_RETURN = 'http://127.0.0.1:9998/settings/esia-linked';

/** The key a private_key_jwt client (`journal-pkjwt`) authenticates with. */
export const PKJWT_KEYS = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
const pkjwtPublic = { ...(await webcrypto.subtle.exportKey('jwk', PKJWT_KEYS.publicKey)), alg: 'ES256', use: 'sig', kid: 'rp-1' };

export interface BrokerEnv {
  readonly esia: MockEsiaEnv;
  readonly broker: Broker;
  readonly url: string;
  readonly kv: KeyValueStore;
  readonly adapter: JournalAdapter;
  close(): Promise<void>;
}

export async function startBroker(
  options: {
    brokerConfig?: Record<string, unknown>;
    store?: 'memory' | 'redis';
    journal?: 'roster' | 'sql' | 'down';
    /** Another Redis than the machine's (e.g. a private one with AOF, to kill). */
    redisUrl?: string;
    /** The broker's clock (ages, consent times); default mock-esia's, so moving that clock makes people older. */
    clock?: () => Date;
    /** The broker's logger; default silent (TEST_BROKER_LOG=1: the console). */
    log?: Logger;
  } = {},
): Promise<BrokerEnv> {
  const esia = await startMockEsia();
  const { server, url, close: stopListening } = await listen(0);
  const seed = buildJournalSeed(esia.app.esia.deps.personasAnchor);
  const deps = { outbound: createOutbound({ timeoutMs: 2000 }), log: silentLogger, clock: () => new Date() };
  let adapter: JournalAdapter;
  let dropDatabase = async () => {};
  if (options.journal === 'down') {
    // A journal database that is not there (nothing listens on the port).
    const dead = fixtureAdapterConfig('postgres://postgres@127.0.0.1:9/postgres');
    adapter = await sqlAdapter.create(JOURNAL_ID, sqlAdapter.configSchema.parse({ ...dead, connectTimeoutMs: 500 }), deps);
  } else if (options.journal === 'sql') {
    const db = await createScratchDatabase(undefined, 'broker_test');
    dropDatabase = db.drop;
    await seedJournalDatabase(db.connectionString, seed);
    adapter = await sqlAdapter.create(JOURNAL_ID, sqlAdapter.configSchema.parse(fixtureAdapterConfig(db.connectionString)), deps);
  } else {
    const { config: rosterConfig } = await writeRosterFixture(mkdtempSync(join(tmpdir(), 'broker-roster-')), seed, 'json');
    adapter = await rosterAdapter.create(JOURNAL_ID, rosterConfig, deps);
  }
  const testStores = createTestStores(options.store ?? 'memory', 'test-broker', options.redisUrl);
  const stores = testStores.stores;
  const kv = stores.kv;
  const config = brokerSchema.parse({
    clients: [
      {
        clientId: CLIENT_ID,
        name: 'Электронный журнал (демо)',
        clientSecret: CLIENT_SECRET,
        redirectUris: [RP_REDIRECT],
        linkReturnUris: [RP_LINK_RETURN],
        journal: JOURNAL_ID,
      },
      { clientId: 'demo-public', name: 'Мобильное приложение', tokenEndpointAuthMethod: 'none', redirectUris: [RP_REDIRECT], journal: JOURNAL_ID },
      { clientId: 'regional-portal', name: 'Региональный портал', clientSecret: CLIENT_SECRET, redirectUris: [RP_REDIRECT] },
      { clientId: 'journal-post', name: 'Журнал', clientSecret: CLIENT_SECRET, tokenEndpointAuthMethod: 'client_secret_post', redirectUris: [RP_REDIRECT], journal: JOURNAL_ID },
      { clientId: 'journal-pkjwt', name: 'Журнал', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [pkjwtPublic] }, redirectUris: [RP_REDIRECT], journal: JOURNAL_ID },
    ],
    ...options.brokerConfig,
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const broker = createBroker({
    config,
    issuer: url,
    esia: esiaClientFor(esia, { observer: metrics.esia }),
    metrics,
    redis: stores.redis,
    kv,
    oidcAdapter: stores.oidcAdapter,
    links: createLinkStore(stores),
    audit: createAuditLog(stores),
    consents: createConsentStore(stores),
    adapters: new Map([[JOURNAL_ID, adapter]]),
    clock: options.clock ?? (() => esia.app.esia.clock.now()),
    log: options.log ?? (process.env.TEST_BROKER_LOG ? { debug: console.debug, info: console.info, warn: console.warn, error: console.error } : silentLogger),
  });
  server.on('request', broker.handler);
  return {
    esia,
    broker,
    url,
    kv,
    adapter,
    close: async () => {
      await stopListening();
      await broker.stop();
      await adapter.close();
      await dropDatabase();
      await testStores.close();
      await esia.close();
    },
  };
}

/** openid-client's configuration for a broker client (plain HTTP allowed: tests run on loopback). */
export async function relyingParty(
  env: Pick<BrokerEnv, 'url'>,
  clientId = CLIENT_ID,
  secret: string | undefined = CLIENT_SECRET,
  auth?: oidc.ClientAuth,
) {
  return oidc.discovery(new URL(env.url), clientId, secret, auth ?? (secret ? undefined : oidc.None()), { execute: [oidc.allowInsecureRequests] });
}

/**
 * Starts an authorization at the broker as a journal would (openid-client, PKCE S256, fresh state):
 * the relying party's configuration, the verifier and state to finish with, and the URL to open.
 */
export async function startAuthorization(
  env: Pick<BrokerEnv, 'url'>,
  extra: Record<string, string> = {},
  client: { id?: string; secret?: string; auth?: oidc.ClientAuth } = {},
) {
  const config = await relyingParty(env, client.id ?? CLIENT_ID, client.auth ? undefined : (client.secret ?? CLIENT_SECRET), client.auth);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile role institution age_group',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { config, verifier, state, url: url.toString() };
}

/** The authorization a relying party started (`startAuthorization`). */
export type Authorization = Awaited<ReturnType<typeof startAuthorization>>;

/**
 * A login as a journal sends the person: the authorization (`params`, e.g. the role), then mock-esia
 * as `persona`; returns the browser, where the broker stopped (a page, or the relying party's
 * callback) and the relying party's side.
 */
export async function loginThroughEsia(
  env: BrokerEnv,
  persona: string,
  params: Record<string, string>,
  options: { browser?: ScriptedBrowser; client?: Parameters<typeof startAuthorization>[2] } = {},
) {
  const browser = options.browser ?? new ScriptedBrowser();
  const rp = await startAuthorization(env, params, options.client);
  const stop = await passEsia(browser, (await follow(browser, rp.url)).url, persona);
  return { browser, stop, rp };
}

/** The relying party exchanges the code it got at `url` (its PKCE verifier and state checked). */
export function codeGrant(rp: Authorization, url: string) {
  return oidc.authorizationCodeGrant(rp.config, new URL(url), { pkceCodeVerifier: rp.verifier, expectedState: rp.state });
}

/** The absolute address of the first POST form of a broker page. */
export function firstFormAction(page: string, base: string): string {
  return new URL(/<form method="post" action="([^"]+)"/.exec(page)![1]!, base).toString();
}

/** Follows redirects in the browser until a page (200) or an address of the relying party (not running). */
export async function follow(browser: ScriptedBrowser, start: string): Promise<{ url: string; response: Response }> {
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (new URL(url).origin === new URL(RP_REDIRECT).origin) return { url, response: new Response(null, { status: 200 }) };
    const response = await browser.request(url);
    const location = response.headers.get('location');
    if (!location || response.status < 300 || response.status >= 400) return { url, response };
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

/** The hidden CSRF field of a broker page. */
export function csrfOf(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no csrf field on the page');
  return m[1]!;
}

/** Posts a broker form and follows the redirects after it. */
export async function submit(browser: ScriptedBrowser, url: string, form: Record<string, string>) {
  const response = await browser.post(url, form);
  const location = response.headers.get('location');
  if (!location) return { url, response };
  return follow(browser, new URL(location, url).toString());
}

/** Goes through mock-esia's login and consent pages from its authorization URL to the next broker stop. */
export async function passEsia(browser: ScriptedBrowser, esiaUrl: string, persona: string) {
  const base = new URL(esiaUrl).origin;
  let stop = await follow(browser, esiaUrl);
  if (new URL(stop.url).origin === base && new URL(stop.url).pathname === '/login') {
    const req = new URL(stop.url).searchParams.get('req')!;
    stop = await submit(browser, `${base}/login`, { req, persona });
  }
  if (new URL(stop.url).origin === base && new URL(stop.url).pathname === '/consent') {
    const req = new URL(stop.url).searchParams.get('req')!;
    return submit(browser, `${base}/consent`, { req, decision: 'allow' });
  }
  // Already back at the broker (mock-esia remembered this person's consent): the stop reached is the answer.
  return stop;
}
