/**
 * The memory stores' table: every entry has an expiry read from an injected clock, expired entries are
 * dropped when touched and swept every so many writes, and the size is bounded (the oldest entry is
 * evicted first). One process only: development and tests.
 */

export interface TtlMapOptions {
  readonly clock?: () => Date;
  /** Default 100 000 entries. */
  readonly maxEntries?: number;
  /** Sweep expired entries after this many writes. Default 1000. */
  readonly sweepEvery?: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class TtlMap<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #clock: () => Date;
  readonly #maxEntries: number;
  readonly #sweepEvery: number;
  #writes = 0;

  constructor(options: TtlMapOptions = {}) {
    this.#clock = options.clock ?? (() => new Date());
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#sweepEvery = options.sweepEvery ?? 1000;
  }

  /** Milliseconds since the epoch, by the injected clock. */
  now(): number {
    return this.#clock().getTime();
  }

  get(key: string): V | undefined {
    return this.#live(key)?.value;
  }

  /** When the live entry expires (ms since the epoch), or `undefined` when there is none. */
  expiresAt(key: string): number | undefined {
    return this.#live(key)?.expiresAt;
  }

  /** Stores `value` until `expiresAt` (ms since the epoch). */
  setUntil(key: string, value: V, expiresAt: number): void {
    if (!this.#entries.delete(key)) this.#makeRoom();
    this.#entries.set(key, { value, expiresAt });
    if (++this.#writes % this.#sweepEvery === 0) this.sweep();
  }

  /** Stores `value` for `ttlSeconds` from now. */
  set(key: string, value: V, ttlSeconds: number): void {
    this.setUntil(key, value, this.now() + ttlSeconds * 1000);
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Drops every expired entry. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }

  /** Live keys with their expiry (inspection and tests). */
  *keys(): IterableIterator<{ key: string; expiresAt: number }> {
    const now = this.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) yield { key, expiresAt: entry.expiresAt };
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  #live(key: string): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#maxEntries) return;
    this.sweep();
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}
