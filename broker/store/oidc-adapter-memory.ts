/**
 * node-oidc-provider's adapter on the memory table: development and tests only, with the Redis
 * adapter's semantics (JSON payloads, a TTL on every key, grant / uid / user-code indexes, a
 * single-use `consume`). One table per factory, shared by the factory's model adapters.
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
import { TtlMap, type TtlMapOptions } from './ttl-map.ts';
import type { OidcAdapterFactory, OidcAdapterOptions } from './types.ts';

type Stored =
  | { kind: 'record'; json: string; consumed?: number }
  | { kind: 'index'; id: string }
  | { kind: 'grant'; members: Set<string> };

/** The factory, plus a listing of its live keys and their TTLs (tests assert every key has one). */
export type MemoryOidcAdapterFactory = OidcAdapterFactory & {
  keys(): Array<{ key: string; ttlSeconds: number }>;
};

export class MemoryOidcAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly table: TtlMap<Stored>,
    private readonly options: OidcAdapterOptions = {},
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = recordKey(this.model, id);
    const json = toJson(payload);
    const expiresAt = this.table.now() + saveTtlSeconds(expiresIn, this.options) * 1000;

    if (GRANTABLE.has(this.model) && payload.grantId) {
      const gKey = grantKey(payload.grantId);
      const grant = this.#grant(gKey);
      const members = grant ?? new Set<string>();
      members.add(key);
      const until = Math.max(this.table.expiresAt(gKey) ?? 0, expiresAt + GRANT_INDEX_SLACK_SECONDS * 1000);
      this.table.setUntil(gKey, { kind: 'grant', members }, until);
    }
    if (this.model === 'Session' && payload.uid) {
      this.table.setUntil(uidKey(payload.uid), { kind: 'index', id }, expiresAt);
    }
    if (payload.userCode) {
      this.table.setUntil(userCodeKey(payload.userCode), { kind: 'index', id }, expiresAt);
    }
    // `consumed` is sticky: a later save of a model read before the consume cannot revive it.
    const previous = this.#record(key);
    this.table.setUntil(key, { kind: 'record', json, consumed: previous?.consumed }, expiresAt);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const record = this.#record(recordKey(this.model, id));
    return record && withConsumed(fromJson(record.json) as AdapterPayload, record.consumed);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#index(uidKey(uid));
    const payload = id === undefined ? undefined : await this.find(id);
    return payload?.uid === uid ? payload : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.#index(userCodeKey(userCode));
    const payload = id === undefined ? undefined : await this.find(id);
    return payload?.userCode === userCode ? payload : undefined;
  }

  /** Marks the record consumed; throws the OAuth error when it already was (or is gone). */
  async consume(id: string): Promise<void> {
    const record = this.#record(recordKey(this.model, id));
    if (!record || record.consumed !== undefined) throw consumeRaceError(this.model);
    record.consumed = Math.floor(this.table.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    await this.take(id);
  }

  /** Deletes the record as `destroy` does; `true` when there was one. */
  async take(id: string): Promise<boolean> {
    const key = recordKey(this.model, id);
    const record = this.#record(key);
    this.table.delete(key);
    if (!record) return false;
    const payload = fromJson(record.json) as AdapterPayload;
    this.#removeSecondaryIndexes(id, payload);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const gKey = grantKey(payload.grantId);
      const members = this.#grant(gKey);
      members?.delete(key);
      if (members?.size === 0) this.table.delete(gKey);
    }
    return true;
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const gKey = grantKey(grantId);
    const members = this.#grant(gKey);
    this.table.delete(gKey);
    for (const key of members ?? []) {
      const record = this.#record(key);
      this.table.delete(key);
      if (record) this.#removeSecondaryIndexes(key.slice(key.indexOf(':', 'oidc:'.length) + 1), fromJson(record.json) as AdapterPayload);
    }
  }

  #removeSecondaryIndexes(id: string, payload: AdapterPayload): void {
    for (const key of [payload.uid && uidKey(payload.uid), payload.userCode && userCodeKey(payload.userCode)]) {
      if (key && this.#index(key) === id) this.table.delete(key);
    }
  }

  #record(key: string) {
    const stored = this.table.get(key);
    return stored?.kind === 'record' ? stored : undefined;
  }

  #index(key: string) {
    const stored = this.table.get(key);
    return stored?.kind === 'index' ? stored.id : undefined;
  }

  #grant(key: string) {
    const stored = this.table.get(key);
    return stored?.kind === 'grant' ? stored.members : undefined;
  }
}

/** An adapter factory on a fresh memory table. */
export function createMemoryOidcAdapterFactory(options: OidcAdapterOptions & TtlMapOptions = {}): MemoryOidcAdapterFactory {
  const table = new TtlMap<Stored>(options);
  const factory = (model: string) => new MemoryOidcAdapter(model, table, options);
  return Object.assign(factory, {
    keys() {
      const now = table.now();
      return [...table.keys()].map(({ key, expiresAt }) => ({ key, ttlSeconds: (expiresAt - now) / 1000 }));
    },
  });
}
