/**
 * A real oidc-provider on each store: an authorization code flow (dev interactions, driven over HTTP)
 * to a code, then the same code redeemed by two token requests at once. Exactly one gets tokens; the
 * other gets invalid_grant (not a 500), and the winner's tokens stay valid. A later, sequential replay
 * takes oidc-provider's own path: invalid_grant and the whole grant revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter } from 'oidc-provider';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStores, type Stores } from '../../broker/store/index.ts';
import type { OidcAdapterFactory } from '../../broker/store/types.ts';
import { silentLogger } from '../../core/log.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLIENT = { id: 'journal-a', secret: 'journal-a-secret-journal-a-secret', redirect: 'https://journal.example/cb' };

/**
 * Holds every AuthorizationCode lookup, once armed, until `parties` lookups are waiting, so the token
 * requests are provably concurrent: all of them read the code before any of them consumes it.
 */
function withLookupBarrier(factory: OidcAdapterFactory, model: string) {
  let waiting: Array<() => void> = [];
  let parties = 0;
  const arrive = () =>
    new Promise<void>((resolve, reject) => {
      waiting.push(resolve);
      if (waiting.length === parties) {
        parties = 0;
        const release = waiting;
        waiting = [];
        release.forEach((go) => go());
      }
      setTimeout(() => reject(new Error('barrier: the other request never arrived')), 5000).unref();
    });
  const wrapped: OidcAdapterFactory = (name) => {
    const inner = factory(name);
    if (name !== model) return inner;
    const adapter: Adapter = {
      upsert: (...args) => inner.upsert(...args),
      findByUid: (uid) => inner.findByUid(uid),
      findByUserCode: (code) => inner.findByUserCode(code),
      consume: (id) => inner.consume(id),
      destroy: (id) => inner.destroy(id),
      revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
      async find(id) {
        const found = await inner.find(id);
        if (parties > 0) await arrive();
        return found;
      },
    };
    return adapter;
  };
  return { factory: wrapped, arm: (n: number) => void (parties = n) };
}

describe.each([
  ['redis', () => createStores({ redis: { url: REDIS_URL, keyPrefix: `test-provider:${randomBytes(6).toString('hex')}:` } }, { log: silentLogger })],
  ['memory', () => createStores({ memory: true }, { log: silentLogger })],
] as const)('oidc-provider on the %s store: single-use authorization codes', (_name, build) => {
  let stores: Stores;
  let server: Server;
  let barrier: ReturnType<typeof withLookupBarrier>;
  let agent: ReturnType<typeof request.agent>;
  const events: string[] = [];

  beforeAll(async () => {
    stores = build();
    barrier = withLookupBarrier(stores.oidcAdapter, 'AuthorizationCode');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      adapter: barrier.factory,
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          redirect_uris: [CLIENT.redirect],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
      cookies: { keys: ['a-test-cookie-key'] },
      findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
      features: { devInteractions: { enabled: true } },
      ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    });
    provider.on('grant.revoked', () => events.push('grant.revoked'));
    provider.on('server_error', (_ctx, err) => events.push(`server_error: ${String(err)}`));
    server.on('request', provider.callback());
    agent = request.agent(server);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    if (stores.redis) {
      const prefix = stores.redis.options.keyPrefix!;
      const keys = await stores.redis.keys(`${prefix}*`); // ioredis does not prefix patterns
      if (keys.length) await stores.redis.del(...keys.map((k) => k.slice(prefix.length)));
    }
    await stores.close();
  });

  /** Follows the flow's redirects within the provider, submitting the dev login and consent forms. */
  async function obtainCode(verifier: string): Promise<string> {
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    let res = await agent.get('/auth').query({
      client_id: CLIENT.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: CLIENT.redirect,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    });
    for (let step = 0; step < 10; step++) {
      expect(res.status, res.text).toBeGreaterThanOrEqual(300);
      const location = new URL(res.headers.location as string, 'http://x');
      if (location.origin === new URL(CLIENT.redirect).origin) {
        expect(location.searchParams.get('state')).toBe('st-1');
        return location.searchParams.get('code')!;
      }
      if (location.pathname.startsWith('/interaction/')) {
        const page = await agent.get(location.pathname);
        const prompt = /name="prompt" value="(\w+)"/.exec(page.text)?.[1];
        expect(prompt, page.text).toBeDefined();
        res = await agent.post(location.pathname).type('form').send({ prompt, login: 'pupil-42', password: 'x' });
      } else {
        res = await agent.get(location.pathname + location.search);
      }
    }
    throw new Error('the flow did not reach the redirect URI');
  }

  const redeem = (code: string, verifier: string) =>
    agent
      .post('/token')
      .auth(CLIENT.id, CLIENT.secret)
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: CLIENT.redirect, code_verifier: verifier });

  it('redeems one code exactly once under two concurrent token requests', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const code = await obtainCode(verifier);

    barrier.arm(2);
    const responses = await Promise.all([redeem(code, verifier), redeem(code, verifier)]);
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body.access_token).toEqual(expect.any(String));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.status).toBe(400);
    expect(refused[0]!.body.error).toBe('invalid_grant');
    expect(events.filter((e) => e.startsWith('server_error'))).toEqual([]);

    // The winner's token works: a lost race is not a replay, the grant stands.
    const userinfo = await agent.get('/me').set('authorization', `Bearer ${ok[0]!.body.access_token}`);
    expect(userinfo.status).toBe(200);
    expect(userinfo.body.sub).toBe('pupil-42');

    // A sequential replay: oidc-provider sees `consumed`, refuses, and revokes the whole grant.
    const replay = await redeem(code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(events).toContain('grant.revoked');
    const after = await agent.get('/me').set('authorization', `Bearer ${ok[0]!.body.access_token}`);
    expect(after.status).toBe(401);
  });
});
