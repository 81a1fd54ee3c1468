/**
 * node-oidc-provider's adapter on Redis, shared by every broker instance. A record is a hash
 * (`payload` JSON, and `consumed` once consumed) with the model's expiry as its TTL; the grant,
 * session-uid and user-code indexes carry TTLs too (a grant index outlives its longest member).
 *
 * `consume` is one script that sets `consumed` only when the record exists and is not yet consumed:
 * of two token requests racing with one code, exactly one succeeds and the other gets invalid_grant.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { fromJson, toJson } from './errors.ts';
import {
  consumeRaceError,
  GRANT_INDEX_SLACK_SECONDS,
  GRANTABLE,
  grantKey,
  recordKey,
  saveTtlSeconds,
  uidKey,
  userCodeKey,
  withConsumed,
} from './oidc-common.ts';
import { defineScript, type RedisClient } from './redis-script.ts';
import { callRedis } from './redis.ts';
import type { OidcAdapterFactory, OidcAdapterOptions } from './types.ts';

/** Writes the payload and TTL in one step; a `consumed` mark already there stays (consumed is sticky). */
const saveRecord = defineScript(`
redis.call('HSET', KEYS[1], 'payload', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
`);

/** Adds a member to a grant index and extends (never shortens) the index's TTL. */
const addGrantMember = defineScript(`
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
`);

/** 1 when this call consumed the record; 0 when it was already consumed or is gone. */
const consumeRecord = defineScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
`);

/** Deletes the record and returns its payload (nil when there was none). */
const takeRecord = defineScript(`
local payload = redis.call('HGET', KEYS[1], 'payload')
redis.call('DEL', KEYS[1])
return payload
`);

/** Deletes an index only while it still points at this id. */
const deleteIndexIfOwned = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
`);

/** Empties a grant index and returns its members. */
const takeGrantMembers = defineScript(`
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members
`);

export class RedisOidcAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly client: RedisClient,
    private readonly options: OidcAdapterOptions = {},
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = recordKey(this.model, id);
    const json = toJson(payload);
    const ttl = saveTtlSeconds(expiresIn, this.options);
    const { client } = this;
    // Sent in this order on one connection: the grant index knows the record before it exists. Only
    // the commands this record needs, and no Promise.all for one of them (every promise costs).
    const pending: Promise<unknown>[] = [];
    if (GRANTABLE.has(this.model) && payload.grantId) {
      pending.push(addGrantMember(client, [grantKey(payload.grantId)], [key, ttl + GRANT_INDEX_SLACK_SECONDS]));
    }
    if (this.model === 'Session' && payload.uid) pending.push(client.set(uidKey(payload.uid), id, 'EX', ttl));
    if (payload.userCode) pending.push(client.set(userCodeKey(payload.userCode), id, 'EX', ttl));
    const saved = saveRecord(client, [key], [json, ttl]);
    if (pending.length === 0) {
      await callRedis(client, 'upsert', saved);
    } else {
      pending.push(saved);
      await callRedis(client, 'upsert', Promise.all(pending));
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const [json, consumed] = await callRedis(this.client, 'find', this.client.hmget(recordKey(this.model, id), 'payload', 'consumed'));
    if (json === null || json === undefined) return undefined;
    return withConsumed(fromJson(json) as AdapterPayload, consumed ? Number(consumed) : undefined);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await callRedis(this.client, 'findByUid', this.client.get(uidKey(uid)));
    const payload = id === null ? undefined : await this.find(id);
    return payload?.uid === uid ? payload : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await callRedis(this.client, 'findByUserCode', this.client.get(userCodeKey(userCode)));
    const payload = id === null ? undefined : await this.find(id);
    return payload?.userCode === userCode ? payload : undefined;
  }

  /** Marks the record consumed; throws the OAuth error when it already was (or is gone). */
  async consume(id: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const won = await callRedis(this.client, 'consume', consumeRecord(this.client, [recordKey(this.model, id)], [now]));
    if (Number(won) !== 1) throw consumeRaceError(this.model);
  }

  async destroy(id: string): Promise<void> {
    await this.take(id);
  }

  /** Deletes the record as `destroy` does; `true` when there was one. */
  async take(id: string): Promise<boolean> {
    const key = recordKey(this.model, id);
    const json = await callRedis(this.client, 'destroy', takeRecord(this.client, [key]));
    if (typeof json !== 'string') return false;
    const payload = fromJson(json) as AdapterPayload;
    const { grantId } = payload;
    await callRedis(
      this.client,
      'destroy',
      Promise.all([this.#removeSecondaryIndexes(id, payload), GRANTABLE.has(this.model) && grantId ? this.client.srem(grantKey(grantId), key) : undefined]),
    );
    return true;
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const members = await callRedis(this.client, 'revokeByGrantId', takeGrantMembers(this.client, [grantKey(grantId)]));
    if (!Array.isArray(members)) return;
    await callRedis(
      this.client,
      'revokeByGrantId',
      Promise.all(
        members.map(async (key: unknown) => {
          if (typeof key !== 'string') return;
          const json = await takeRecord(this.client, [key]);
          if (typeof json !== 'string') return;
          const id = key.slice(key.indexOf(':', 'oidc:'.length) + 1);
          await this.#removeSecondaryIndexes(id, fromJson(json) as AdapterPayload);
        }),
      ),
    );
  }

  async #removeSecondaryIndexes(id: string, payload: AdapterPayload): Promise<void> {
    const keys = [payload.uid && uidKey(payload.uid), payload.userCode && userCodeKey(payload.userCode)];
    await Promise.all(keys.map((key) => key && deleteIndexIfOwned(this.client, [key], [id])));
  }
}

/** An adapter factory on a Redis connection (the connection's key prefix applies). */
export function createRedisOidcAdapterFactory(client: RedisClient, options: OidcAdapterOptions = {}): OidcAdapterFactory {
  return (model: string) => new RedisOidcAdapter(model, client, options);
}
