import { describe, expect, it } from 'vitest';
import { Deadline } from './deadline.ts';

/** Failures come out wrapped, time-outs as their own error: what the store's and the journals' calls do. */
class Labelled<T> extends Deadline<T> {
  protected failure(cause: unknown): Error {
    return new Error('wrapped', { cause });
  }

  protected timedOut(): Error {
    return new Error('too slow');
  }
}

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(resolve, ms, value));

describe('Deadline', () => {
  it('settles with the answer that comes in time', async () => {
    await expect(new Labelled(after(5, 'answer'), 1_000).promise).resolves.toBe('answer');
  });

  it('passes a failure through its own mapping, with the cause kept', async () => {
    const cause = new Error('refused');
    const err = await new Labelled(Promise.reject(cause), 1_000).promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('wrapped');
    expect((err as Error).cause).toBe(cause);
  });

  it('rejects with the time-out error when no answer comes in time, and a late answer changes nothing', async () => {
    let answer!: (value: string) => void;
    const pending = new Promise<string>((resolve) => (answer = resolve));
    const call = new Labelled(pending, 10);
    await expect(call.promise).rejects.toThrow('too slow');
    answer('late');
    await expect(call.promise).rejects.toThrow('too slow');
  });

  it('clears its timer once answered, so nothing keeps the process waiting', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const call = new Labelled(Promise.resolve(1), 60_000);
    expect(timers()).toBe(before + 1);
    await call.promise;
    expect(timers()).toBe(before);
  });
});
