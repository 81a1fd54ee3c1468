/**
 * A finished interaction handed to oidc-provider's resume on the same request without a trip through
 * the store. The broker resumes the authorization on the request that finished the interaction (see
 * `resumeHere` in `app.ts`): the interaction would be saved with its result, read back by the resume
 * at once, and deleted. Between `hold(uid)` and `release(uid)`, the Interaction adapter holds that
 * interaction's writes in memory and answers its reads from them; its deletion goes to the store, which
 * must still have had the interaction (so two requests finishing one interaction cannot both resume
 * it). Whatever is still held at `release` (a resume that stopped before deleting it) is written to
 * the store then.
 */
import type { Adapter, AdapterPayload, Configuration } from 'oidc-provider';
import { errors } from 'oidc-provider';

/** An adapter that can say whether a deletion found the record (both of the broker's stores can). */
export interface TakingAdapter extends Adapter {
  /** Deletes the record as `destroy` does; `true` when there was one. */
  take(id: string): Promise<boolean>;
}

interface Held {
  payload?: AdapterPayload;
  expiresIn?: number;
  /** Written since the store last saw it. */
  dirty: boolean;
}

type AdapterOption = NonNullable<Configuration['adapter']>;

export class InteractionHandoff {
  readonly #held = new Map<string, Held>();
  #store: Adapter | undefined;

  /**
   * The adapter option with the Interaction model's adapter watched; any other model's adapter is
   * the store's as it is. Without an adapter of the broker's (oidc-provider's own memory adapter in
   * some tests) nothing is held and interactions go to the store as usual.
   */
  wrap(adapter: AdapterOption | undefined): AdapterOption | undefined {
    if (!adapter) return undefined;
    const make = (name: string): Adapter =>
      isClass(adapter) ? new (adapter as new (name: string) => Adapter)(name) : (adapter as (name: string) => Adapter)(name);
    return (name: string) => {
      const store = make(name);
      if (name !== 'Interaction' || typeof (store as Partial<TakingAdapter>).take !== 'function') return store;
      this.#store = store;
      return this.#watch(store as TakingAdapter);
    };
  }

  /** Whether a request of this process is finishing interaction `uid` now. */
  busy(uid: string): boolean {
    return this.#held.has(uid);
  }

  /**
   * Holds interaction `uid`'s writes in memory (see the module's comment) until `release(uid)`, which
   * the caller runs in a `finally`. Two calls rather than one taking a callback: the caller runs on
   * every login, and a callback made per login loses its optimized code (see core/deadline.ts). The
   * adapter cannot tell requests apart, so a second request may not finish the same interaction
   * meanwhile (two tabs): check `busy` first; `hold` refuses it with SessionNotFound.
   */
  hold(uid: string): void {
    if (this.#held.has(uid)) throw new errors.SessionNotFound('the interaction is being finished by another request');
    this.#held.set(uid, { dirty: false });
  }

  /** Ends `hold(uid)`: what is still held goes to the store. */
  async release(uid: string): Promise<void> {
    const held = this.#held.get(uid);
    this.#held.delete(uid);
    if (held?.dirty && held.payload && this.#store) await this.#store.upsert(uid, held.payload, held.expiresIn ?? 0);
  }

  #watch(store: TakingAdapter): Adapter {
    const held = this.#held;
    return {
      upsert: async (id, payload, expiresIn) => {
        const h = held.get(id);
        if (!h) return store.upsert(id, payload, expiresIn);
        h.payload = payload;
        h.expiresIn = expiresIn;
        h.dirty = true;
      },
      find: async (id) => {
        const h = held.get(id);
        if (h?.payload) return h.payload;
        return store.find(id);
      },
      destroy: async (id) => {
        const h = held.get(id);
        if (!h) return store.destroy(id);
        h.payload = undefined;
        h.dirty = false;
        if (!(await store.take(id))) throw new errors.SessionNotFound('interaction session not found');
      },
      findByUid: (uid) => store.findByUid(uid),
      findByUserCode: (code) => store.findByUserCode(code),
      consume: (id) => store.consume(id),
      revokeByGrantId: (grantId) => store.revokeByGrantId(grantId),
    };
  }
}

/** Called with `new`: oidc-provider's own rule (a function with a prototype object), not an arrow factory. */
function isClass(f: unknown): boolean {
  return typeof f === 'function' && f.prototype !== null && typeof f.prototype === 'object';
}
