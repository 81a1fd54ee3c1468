/**
 * The broker's storage interfaces. Everything lives in one store of record (Redis in production, memory
 * in development and tests) so any number of stateless broker processes can serve one login: a flow
 * that starts on one instance finishes on another. Every key has a TTL; no method writes one without.
 */
import type { AdapterFactory } from 'oidc-provider';
import type { Logger } from '../../core/log.ts';

/**
 * Short-lived JSON state: interaction steps, ESIA flow state, rate-limit counters. Values go through
 * JSON (so `Date`s come back as strings and `undefined` properties vanish), identically in every store.
 */
export interface KeyValueStore {
  /** The value, or `undefined` when the key is absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Writes `value` (JSON) for `ttlSeconds` (a positive number, rounded up to whole seconds). */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Writes only when the key is absent; `true` when this call wrote it (exactly one racer wins). */
  setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** Atomically reads and deletes: single use. Of many concurrent callers, one gets the value. */
  take<T = unknown>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Atomically adds one and returns the new count (rate limits). The first increment sets the TTL;
   * later ones keep it, so the window is fixed from the first hit.
   */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Whole seconds left, or -2 when the key is absent (as Redis `TTL`). */
  ttl(key: string): Promise<number>;
  /** Releases the store (for Redis: closes the shared connection). Idempotent. */
  close(): Promise<void>;
}

/**
 * node-oidc-provider's `adapter` option: `(modelName) => Adapter`. One adapter per model (Session,
 * Interaction, AuthorizationCode, AccessToken, RefreshToken, Grant, …), all on one store.
 */
export type OidcAdapterFactory = AdapterFactory;

/** Options shared by both oidc-provider adapters. */
export interface OidcAdapterOptions {
  /**
   * The TTL for a model oidc-provider saves without an expiry (e.g. a dynamically registered client):
   * every key has a TTL. Default 30 days.
   */
  readonly fallbackTtlSeconds?: number;
  /** Added to every expiry, matching the provider's `clockTolerance`. Default 0. */
  readonly clockToleranceSeconds?: number;
}

/** What the store factories receive besides their config. */
export interface StoreDeps {
  readonly log: Logger;
  /** The memory store's clock (Redis keeps its own time). Default `() => new Date()`. */
  readonly clock?: () => Date;
}

export type StoreKind = 'redis' | 'memory';
