import { describe, expect, it } from 'vitest';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { createMemoryOidcAdapterFactory } from '../store/oidc-adapter-memory.ts';
import { InteractionHandoff } from './interaction-handoff.ts';

function setup() {
  const store = createMemoryOidcAdapterFactory();
  const handoff = new InteractionHandoff();
  const factory = handoff.wrap(store) as (name: string) => Adapter;
  return { handoff, watched: factory('Interaction'), direct: store('Interaction'), sessions: factory('Session') };
}

/** Runs `run` between `hold` and `release`, as the broker's resume does. */
async function keep<T>(handoff: InteractionHandoff, uid: string, run: () => Promise<T>): Promise<T> {
  handoff.hold(uid);
  try {
    return await run();
  } finally {
    await handoff.release(uid);
  }
}

const interaction = (uid: string, extra: Record<string, unknown> = {}) => ({ uid, kind: 'Interaction', exp: 2_000_000_000, ...extra }) as AdapterPayload;

describe('interaction handoff', () => {
  it('passes everything through to the store outside hold and release', async () => {
    const { watched, direct } = setup();
    await watched.upsert('i-1', interaction('i-1'), 300);
    expect(await direct.find('i-1')).toEqual(interaction('i-1'));
    await watched.destroy('i-1');
    expect(await direct.find('i-1')).toBeUndefined();
  });

  it('holds the kept interaction in memory: found without the store, deleted from the store, nothing written back', async () => {
    const { handoff, watched, direct } = setup();
    await direct.upsert('i-1', interaction('i-1'), 300);
    await keep(handoff, 'i-1', async () => {
      await watched.upsert('i-1', interaction('i-1', { result: { login: { accountId: 'a-1' } } }), 300);
      // The store still has the interaction as it was; the resume reads the finished one.
      expect(await direct.find('i-1')).toEqual(interaction('i-1'));
      expect(await watched.find('i-1')).toEqual(interaction('i-1', { result: { login: { accountId: 'a-1' } } }));
      await watched.destroy('i-1');
      expect(await watched.find('i-1')).toBeUndefined();
    });
    expect(await direct.find('i-1')).toBeUndefined();
  });

  it('refuses to resume an interaction the store no longer has (finished by another request)', async () => {
    const { handoff, watched, direct } = setup();
    await direct.upsert('i-1', interaction('i-1'), 300);
    const first = keep(handoff, 'i-1', async () => {
      await watched.upsert('i-1', interaction('i-1', { result: {} }), 300);
      await direct.destroy('i-1');
      await watched.destroy('i-1');
    });
    await expect(first).rejects.toBeInstanceOf(errors.SessionNotFound);
    expect(await direct.find('i-1')).toBeUndefined();
  });

  it('refuses a second request finishing the same interaction while the first holds it', async () => {
    const { handoff, watched, direct } = setup();
    await direct.upsert('i-1', interaction('i-1'), 300);
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const first = keep(handoff, 'i-1', async () => {
      await watched.upsert('i-1', interaction('i-1', { result: { login: { accountId: 'first' } } }), 300);
      await paused;
      const found = await watched.find('i-1');
      await watched.destroy('i-1');
      return found?.result;
    });
    expect(handoff.busy('i-1')).toBe(true);
    let ran = false;
    await expect(keep(handoff, 'i-1', async () => void (ran = true))).rejects.toBeInstanceOf(errors.SessionNotFound);
    expect(ran).toBe(false);
    release();
    expect(await first).toEqual({ login: { accountId: 'first' } });
    expect(handoff.busy('i-1')).toBe(false);
    expect(await direct.find('i-1')).toBeUndefined();
  });

  it('writes what is still held when the run ends without deleting it, also when the run fails', async () => {
    const { handoff, watched, direct } = setup();
    await direct.upsert('i-1', interaction('i-1'), 300);
    await keep(handoff, 'i-1', async () => {
      await watched.upsert('i-1', interaction('i-1', { result: { step: 1 } }), 300);
      await watched.upsert('i-1', interaction('i-1', { result: { step: 2 } }), 300);
    });
    expect(await direct.find('i-1')).toEqual(interaction('i-1', { result: { step: 2 } }));

    const failing = keep(handoff, 'i-1', async () => {
      await watched.upsert('i-1', interaction('i-1', { result: { step: 3 } }), 300);
      throw new Error('resume failed');
    });
    await expect(failing).rejects.toThrow('resume failed');
    expect(await direct.find('i-1')).toEqual(interaction('i-1', { result: { step: 3 } }));
  });

  it('holds only the kept interaction, and no other model', async () => {
    const { handoff, watched, direct, sessions } = setup();
    await keep(handoff, 'i-1', async () => {
      await watched.upsert('i-2', interaction('i-2'), 300);
      await sessions.upsert('i-1', { uid: 's', kind: 'Session' } as AdapterPayload, 300);
    });
    expect(await direct.find('i-2')).toEqual(interaction('i-2'));
    expect(await sessions.find('i-1')).toEqual({ uid: 's', kind: 'Session' });
  });
});
