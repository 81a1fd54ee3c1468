/**
 * The storage conformance suite: one set of tests every store (memory, Redis) passes. Call
 * `describeStoreConformance` from a store's test file with a target that builds a fresh, empty store
 * for each test and can let time pass for it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { StoreError } from '../../broker/store/errors.ts';
import type { KeyValueStore, OidcAdapterFactory } from '../../broker/store/types.ts';

export interface StoreUnderTest {
  readonly kv: KeyValueStore;
  readonly oidc: OidcAdapterFactory;
  /** Lets `seconds` pass for the store (memory: moves its clock; Redis: waits). */
  elapse(seconds: number): Promise<void>;
  /** Every key the store holds, with the seconds it has left (no expiry: ≤ 0 or Infinity). */
  keys(): Promise<Array<{ key: string; ttlSeconds: number }>>;
  teardown(): Promise<void>;
}

export interface StoreConformanceTarget {
  readonly name: string;
  setup(): Promise<StoreUnderTest>;
}

const PARALLEL = 50;

export function describeStoreConformance(target: StoreConformanceTarget): void {
  describe(`store conformance: ${target.name}`, () => {
    let store: StoreUnderTest;
    let kv: KeyValueStore;
    let oidc: OidcAdapterFactory;

    beforeEach(async () => {
      store = await target.setup();
      ({ kv, oidc } = store);
    });
    afterEach(async () => {
      await store.teardown();
    });

    const expectEveryKeyHasTtl = async () => {
      const keys = await store.keys();
      expect(keys.length).toBeGreaterThan(0);
      for (const { key, ttlSeconds } of keys) {
        expect({ key, ok: ttlSeconds > 0 && Number.isFinite(ttlSeconds) }).toEqual({ key, ok: true });
      }
      return keys;
    };
    const keyEnding = async (suffix: string) => (await store.keys()).find((k) => k.key.endsWith(suffix));
    const storeCode = (code: string) => expect.objectContaining({ name: 'StoreError', code });

    describe('key-value store', () => {
      it('stores JSON values and returns copies', async () => {
        const value = { step: 'esia', n: 1, list: [1, 'two', null], empty: [], nested: { ok: true } };
        await kv.set('a', value, 60);
        expect(await kv.get('a')).toEqual(value);
        const read = await kv.get<typeof value>('a');
        read!.n = 2;
        expect(await kv.get('a')).toEqual(value);
        await kv.set('n', 42, 60);
        await kv.set('s', 'text «юникод»', 60);
        await kv.set('z', null, 60);
        expect(await kv.get('n')).toBe(42);
        expect(await kv.get('s')).toBe('text «юникод»');
        expect(await kv.get('z')).toBeNull();
        expect(await kv.get('missing')).toBeUndefined();
      });

      it('overwrites with set, and deletes', async () => {
        await kv.set('k', 1, 60);
        await kv.set('k', 2, 120);
        expect(await kv.get('k')).toBe(2);
        expect(await kv.ttl('k')).toBeGreaterThan(60);
        await kv.delete('k');
        expect(await kv.get('k')).toBeUndefined();
        await kv.delete('k');
      });

      it('refuses to write without a positive TTL, and writes nothing', async () => {
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, undefined as unknown as number]) {
          await expect(kv.set('t', 1, ttl)).rejects.toEqual(storeCode('ERR_STORE_INVALID_TTL'));
          await expect(kv.setIfAbsent('t', 1, ttl)).rejects.toEqual(storeCode('ERR_STORE_INVALID_TTL'));
          await expect(kv.increment('t', ttl)).rejects.toEqual(storeCode('ERR_STORE_INVALID_TTL'));
        }
        expect(await kv.get('t')).toBeUndefined();
        await expect(kv.set('t', undefined, 60)).rejects.toBeInstanceOf(StoreError);
        await expect(kv.set('t', undefined, 60)).rejects.toEqual(storeCode('ERR_STORE_INVALID_VALUE'));
      });

      it('reports the TTL left, -2 when absent, and rounds fractional TTLs up', async () => {
        await kv.set('t', 'x', 60);
        expect(await kv.ttl('t')).toBeGreaterThanOrEqual(59);
        expect(await kv.ttl('t')).toBeLessThanOrEqual(60);
        await kv.set('f', 'x', 0.2);
        expect(await kv.ttl('f')).toBe(1);
        expect(await kv.ttl('absent')).toBe(-2);
      });

      it('setIfAbsent writes only once; of many racers exactly one wins', async () => {
        expect(await kv.setIfAbsent('once', 'first', 60)).toBe(true);
        expect(await kv.setIfAbsent('once', 'second', 60)).toBe(false);
        expect(await kv.get('once')).toBe('first');

        const results = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => kv.setIfAbsent('race', { i }, 60)));
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await kv.get('race')).toEqual({ i: winners[0] });
        expect(await kv.ttl('race')).toBeGreaterThan(0);
      });

      it('take is single use: of many parallel takers exactly one gets the value', async () => {
        await kv.set('ticket', { state: 's1' }, 60);
        expect(await kv.take('ticket')).toEqual({ state: 's1' });
        expect(await kv.take('ticket')).toBeUndefined();

        await kv.set('race', { state: 's2' }, 60);
        const results = await Promise.all(Array.from({ length: PARALLEL }, () => kv.take('race')));
        expect(results.filter((r) => r !== undefined)).toEqual([{ state: 's2' }]);
        expect(await kv.get('race')).toBeUndefined();
        expect(await kv.ttl('race')).toBe(-2);
      });

      it('increment counts atomically under parallel calls and keeps the first TTL', async () => {
        expect(await kv.increment('hits', 60)).toBe(1);
        expect(await kv.increment('hits', 600)).toBe(2);
        expect(await kv.ttl('hits')).toBeLessThanOrEqual(60);
        expect(await kv.ttl('hits')).toBeGreaterThan(0);

        const counts = await Promise.all(Array.from({ length: PARALLEL }, () => kv.increment('burst', 30)));
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 1));
        expect(await kv.get('burst')).toBe(PARALLEL);
        expect(await kv.ttl('burst')).toBeGreaterThan(0);
        expect(await kv.ttl('burst')).toBeLessThanOrEqual(30);
      });

      it('increment refuses a value that is not a counter', async () => {
        await kv.set('word', 'hello', 60);
        await expect(kv.increment('word', 60)).rejects.toEqual(storeCode('ERR_STORE_INVALID_VALUE'));
        await kv.set('five', 5, 60);
        expect(await kv.increment('five', 60)).toBe(6);
      });
    });

    describe('oidc-provider adapter', () => {
      const payload = (extra: Partial<AdapterPayload> = {}): AdapterPayload => ({
        accountId: 'acc-1',
        clientId: 'journal-a',
        kind: 'AccessToken',
        scope: 'openid profile',
        iat: 1_700_000_000,
        exp: 1_700_000_600,
        amr: [],
        ...extra,
      });

      it('upserts and finds payloads (copies, JSON), and finds nothing unknown', async () => {
        const access = oidc('AccessToken');
        const p = payload({ jti: 'at-1', grantId: 'g-1', claims: { userinfo: { role: null } } });
        await access.upsert('at-1', p, 600);
        const found = await access.find('at-1');
        expect(found).toEqual(p);
        found!.scope = 'changed';
        expect((await access.find('at-1'))?.scope).toBe('openid profile');
        expect(await access.find('nope')).toBeUndefined();
        expect(await oidc('RefreshToken').find('at-1')).toBeUndefined();

        await access.upsert('at-1', { ...p, scope: 'openid' }, 600);
        expect((await access.find('at-1'))?.scope).toBe('openid');
      });

      it('keeps every model kind: Session, Interaction, Grant, Client, ReplayDetection', async () => {
        const models: Array<[string, AdapterPayload]> = [
          ['Session', { uid: 'u-1', accountId: 'acc-1', loginTs: 1, kind: 'Session' } as AdapterPayload],
          ['Interaction', { uid: 'i-1', kind: 'Interaction', params: { client_id: 'journal-a' }, prompt: { name: 'login', reasons: ['no_session'], details: {} } } as AdapterPayload],
          ['Grant', { kind: 'Grant', accountId: 'acc-1', clientId: 'journal-a', openid: { scope: 'openid' } } as AdapterPayload],
          ['ReplayDetection', { kind: 'ReplayDetection', iss: 'x' } as AdapterPayload],
          ['PushedAuthorizationRequest', { kind: 'PushedAuthorizationRequest', request: 'eyJ' } as AdapterPayload],
        ];
        for (const [model, p] of models) await oidc(model).upsert(`${model}-id`, p, 300);
        for (const [model, p] of models) expect(await oidc(model).find(`${model}-id`)).toEqual(p);
      });

      it('finds a session by uid, and forgets the uid when the session is destroyed', async () => {
        const sessions = oidc('Session');
        const session = { uid: 'uid-1', accountId: 'acc-1', kind: 'Session' } as AdapterPayload;
        await sessions.upsert('sess-1', session, 3600);
        expect(await sessions.findByUid('uid-1')).toEqual(session);
        expect(await sessions.findByUid('uid-2')).toBeUndefined();
        await sessions.destroy('sess-1');
        expect(await sessions.find('sess-1')).toBeUndefined();
        expect(await sessions.findByUid('uid-1')).toBeUndefined();
        expect(await keyEnding('uid:uid-1')).toBeUndefined();
      });

      it('finds a device code by user code', async () => {
        const codes = oidc('DeviceCode');
        const code = payload({ kind: 'DeviceCode', userCode: 'ABCD-EFGH', grantId: 'g-dc' });
        await codes.upsert('dc-1', code, 600);
        expect(await codes.findByUserCode('ABCD-EFGH')).toEqual(code);
        expect(await codes.findByUserCode('WXYZ-WXYZ')).toBeUndefined();
        await codes.destroy('dc-1');
        expect(await codes.findByUserCode('ABCD-EFGH')).toBeUndefined();
      });

      it('destroy removes the record and its grant membership, nothing else', async () => {
        const access = oidc('AccessToken');
        await access.upsert('at-1', payload({ grantId: 'g-1' }), 600);
        await access.upsert('at-2', payload({ grantId: 'g-1' }), 600);
        await access.destroy('at-1');
        await access.destroy('never-existed');
        expect(await access.find('at-1')).toBeUndefined();
        expect(await access.find('at-2')).toBeDefined();
        await access.destroy('at-2');
        expect(await keyEnding('grant:g-1')).toBeUndefined();
      });

      it('take deletes as destroy does and tells whether there was a record; of parallel takers one wins', async () => {
        const interactions = oidc('Interaction') as Adapter & { take(id: string): Promise<boolean> };
        await interactions.upsert('i-1', { uid: 'i-1', kind: 'Interaction' } as AdapterPayload, 300);
        const results = await Promise.all(Array.from({ length: 8 }, () => interactions.take('i-1')));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await interactions.find('i-1')).toBeUndefined();
        expect(await interactions.take('never-existed')).toBe(false);
      });

      it('revokeByGrantId removes every member of the grant and leaves the rest', async () => {
        await oidc('AuthorizationCode').upsert('ac-1', payload({ kind: 'AuthorizationCode', grantId: 'g-1' }), 60);
        await oidc('AccessToken').upsert('at-1', payload({ grantId: 'g-1' }), 600);
        await oidc('RefreshToken').upsert('rt-1', payload({ kind: 'RefreshToken', grantId: 'g-1' }), 3600);
        await oidc('RefreshToken').upsert('rt-2', payload({ kind: 'RefreshToken', grantId: 'g-1' }), 3600);
        await oidc('DeviceCode').upsert('dc-1', payload({ kind: 'DeviceCode', grantId: 'g-1', userCode: 'UC-1' }), 600);
        await oidc('AccessToken').upsert('at-other', payload({ grantId: 'g-2' }), 600);
        await oidc('RefreshToken').upsert('rt-other', payload({ kind: 'RefreshToken', grantId: 'g-2' }), 600);
        await oidc('Grant').upsert('g-1', { kind: 'Grant', accountId: 'acc-1' } as AdapterPayload, 3600);
        await oidc('Session').upsert('sess-1', { kind: 'Session', uid: 'u-1' } as AdapterPayload, 3600);

        await oidc('AccessToken').revokeByGrantId('g-1');
        await oidc('RefreshToken').revokeByGrantId('g-1');

        expect(await oidc('AuthorizationCode').find('ac-1')).toBeUndefined();
        expect(await oidc('AccessToken').find('at-1')).toBeUndefined();
        expect(await oidc('RefreshToken').find('rt-1')).toBeUndefined();
        expect(await oidc('RefreshToken').find('rt-2')).toBeUndefined();
        expect(await oidc('DeviceCode').find('dc-1')).toBeUndefined();
        expect(await oidc('DeviceCode').findByUserCode('UC-1')).toBeUndefined();
        expect(await keyEnding('grant:g-1')).toBeUndefined();
        expect(await keyEnding('userCode:UC-1')).toBeUndefined();

        expect(await oidc('AccessToken').find('at-other')).toBeDefined();
        expect(await oidc('RefreshToken').find('rt-other')).toBeDefined();
        expect(await oidc('Grant').find('g-1')).toBeDefined(); // the Grant model is destroyed by oidc-provider itself
        expect(await oidc('Session').findByUid('u-1')).toBeDefined();
        await oidc('AccessToken').revokeByGrantId('g-unknown');
      });

      it('keeps the grant index at least as long as its longest member', async () => {
        await oidc('AuthorizationCode').upsert('ac-1', payload({ kind: 'AuthorizationCode', grantId: 'g-ttl' }), 60);
        await oidc('RefreshToken').upsert('rt-1', payload({ kind: 'RefreshToken', grantId: 'g-ttl' }), 7200);
        await oidc('AccessToken').upsert('at-1', payload({ grantId: 'g-ttl' }), 600);
        const keys = await expectEveryKeyHasTtl();
        const grant = keys.find((k) => k.key.endsWith('grant:g-ttl'))!;
        const members = keys.filter((k) => /oidc:(AuthorizationCode|RefreshToken|AccessToken):/.test(k.key));
        expect(members).toHaveLength(3);
        for (const member of members) expect(grant.ttlSeconds).toBeGreaterThanOrEqual(member.ttlSeconds);
        expect(grant.ttlSeconds).toBeGreaterThanOrEqual(7200);
      });

      it('sets each record’s TTL from expiresIn, and a fallback TTL when there is none', async () => {
        await oidc('Interaction').upsert('i-1', { kind: 'Interaction' } as AdapterPayload, 300);
        await oidc('Client').upsert('c-1', { client_id: 'c-1' } as AdapterPayload);
        const interaction = (await keyEnding('Interaction:i-1'))!;
        expect(interaction.ttlSeconds).toBeGreaterThan(295);
        expect(interaction.ttlSeconds).toBeLessThanOrEqual(300);
        const client = (await keyEnding('Client:c-1'))!;
        expect(client.ttlSeconds).toBeGreaterThan(24 * 3600);
      });

      it('consume marks the record consumed once; a second consume is invalid_grant', async () => {
        const codes = oidc('AuthorizationCode');
        await codes.upsert('ac-1', payload({ kind: 'AuthorizationCode', grantId: 'g-1' }), 60);
        expect((await codes.find('ac-1'))?.consumed).toBeUndefined();
        await codes.consume('ac-1');
        const consumed = (await codes.find('ac-1'))?.consumed;
        expect(typeof consumed).toBe('number');
        expect(consumed).toBeGreaterThan(1_600_000_000);
        await expect(codes.consume('ac-1')).rejects.toMatchObject({ error: 'invalid_grant', statusCode: 400, expose: true });
        await expect(codes.consume('gone')).rejects.toMatchObject({ error: 'invalid_grant' });

        // Consumed is sticky: a later save of a copy read before the consume cannot revive the code.
        await codes.upsert('ac-1', payload({ kind: 'AuthorizationCode', grantId: 'g-1' }), 60);
        expect((await codes.find('ac-1'))?.consumed).toBe(consumed);

        const par = oidc('PushedAuthorizationRequest');
        await par.upsert('par-1', { kind: 'PushedAuthorizationRequest' } as AdapterPayload, 60);
        await par.consume('par-1');
        await expect(par.consume('par-1')).rejects.toMatchObject({ error: 'invalid_request_uri', statusCode: 400 });
      });

      it('of parallel consumes of one code exactly one wins', async () => {
        for (const [model, id] of [['AuthorizationCode', 'ac-race'], ['RefreshToken', 'rt-race']] as const) {
          const adapter = oidc(model);
          await adapter.upsert(id, payload({ kind: model, grantId: 'g-race' }), 60);
          const two = await Promise.allSettled([oidc(model).consume(id), oidc(model).consume(id)]);
          expect(two.filter((r) => r.status === 'fulfilled')).toHaveLength(1);

          await adapter.upsert(`${id}-many`, payload({ kind: model, grantId: 'g-race' }), 60);
          const many = await Promise.allSettled(Array.from({ length: PARALLEL }, () => oidc(model).consume(`${id}-many`)));
          expect(many.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          for (const r of many) {
            if (r.status === 'rejected') expect(r.reason).toMatchObject({ error: 'invalid_grant' });
          }
        }
      });
    });

    it('puts a TTL on every key after a mix of operations', async () => {
      await kv.set('flow:1', { state: 'a' }, 600);
      await kv.setIfAbsent('lock:1', true, 30);
      await kv.setIfAbsent('lock:1', true, 30);
      await kv.increment('rate:1', 60);
      await kv.increment('rate:1', 60);
      await kv.set('ticket', 1, 60);
      await kv.take('ticket');
      await kv.set('gone', 1, 60);
      await kv.delete('gone');
      await oidc('Session').upsert('s-1', { kind: 'Session', uid: 'u-1' } as AdapterPayload, 3600);
      await oidc('Interaction').upsert('i-1', { kind: 'Interaction', uid: 'i-1' } as AdapterPayload, 600);
      await oidc('Grant').upsert('g-1', { kind: 'Grant' } as AdapterPayload, 3600);
      await oidc('AuthorizationCode').upsert('ac-1', { kind: 'AuthorizationCode', grantId: 'g-1' } as AdapterPayload, 60);
      await oidc('AuthorizationCode').consume('ac-1');
      await oidc('AccessToken').upsert('at-1', { kind: 'AccessToken', grantId: 'g-1' } as AdapterPayload, 600);
      await oidc('RefreshToken').upsert('rt-1', { kind: 'RefreshToken', grantId: 'g-1' } as AdapterPayload, 3600);
      await oidc('DeviceCode').upsert('dc-1', { kind: 'DeviceCode', grantId: 'g-2', userCode: 'UC' } as AdapterPayload, 600);
      await oidc('AccessToken').destroy('at-1');
      await oidc('Client').upsert('c-1', { client_id: 'c-1' } as AdapterPayload);
      const keys = await expectEveryKeyHasTtl();
      expect(keys.length).toBeGreaterThanOrEqual(12);
    });

    it('expires keys and indexes when their TTL runs out', async () => {
      await kv.set('short', 1, 1);
      await kv.set('long', 1, 3);
      expect(await kv.setIfAbsent('lock', 'a', 1)).toBe(true);
      await kv.increment('rate', 1);
      await oidc('Session').upsert('s-1', { kind: 'Session', uid: 'u-1' } as AdapterPayload, 1);
      await oidc('AccessToken').upsert('at-1', { kind: 'AccessToken', grantId: 'g-1' } as AdapterPayload, 1);
      expect(await kv.get('short')).toBe(1);
      expect(await oidc('Session').findByUid('u-1')).toBeDefined();

      await store.elapse(1.2);
      expect(await kv.get('short')).toBeUndefined();
      expect(await kv.ttl('short')).toBe(-2);
      expect(await kv.get('long')).toBe(1);
      expect(await kv.setIfAbsent('lock', 'b', 1)).toBe(true);
      expect(await kv.increment('rate', 1)).toBe(1);
      expect(await oidc('Session').findByUid('u-1')).toBeUndefined();
      expect(await oidc('AccessToken').find('at-1')).toBeUndefined();
      await kv.delete('lock');
      await kv.delete('rate');

      await store.elapse(1.0);
      // Only `long` is left: the grant index (which outlives its member by a second) is gone too.
      expect((await store.keys()).map((k) => k.key).filter((k) => !k.endsWith('long'))).toEqual([]);
      expect(await kv.get('long')).toBe(1);
    });
  });
}
