/**
 * A promise with a time limit, for calls made on every request (store operations, journal calls).
 *
 * Why a class and not closures: V8 keeps a function's optimized code only while some instance of it
 * that has already run is alive. A closure made per call (a `then` callback, a timer callback, a
 * promise executor) dies with its call, so at every full collection its optimized code, with whatever
 * it inlined, was dropped and later compiled again: under load the broker spent about 0.3 ms of
 * compiler time per login on such closures, 7 % of its CPU (`bench/login.ts` with `--trace-opt`).
 * Methods live on the prototype and keep their code; the per-call callbacks here are bound methods.
 */
export abstract class Deadline<T> {
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (err: unknown) => void;
  private readonly timer: ReturnType<typeof setTimeout>;

  /** Settles `promise` with `pending`'s outcome, or rejects it with `timedOut()` after `ms`. */
  constructor(pending: Promise<T>, ms: number) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(expireTimer, ms, this);
    pending.then(this.succeed.bind(this), this.fail.bind(this));
  }

  /** The error the promise rejects with when `pending` fails with `cause`. */
  protected abstract failure(cause: unknown): unknown;

  /** The error the promise rejects with when the time is up. */
  protected abstract timedOut(): unknown;

  private succeed(value: T): void {
    clearTimeout(this.timer);
    this.resolve(value);
  }

  private fail(cause: unknown): void {
    clearTimeout(this.timer);
    this.reject(this.failure(cause));
  }

  /** Called by the timer; a later answer then changes nothing (a promise settles once). */
  expire(): void {
    this.reject(this.timedOut());
  }
}

/**
 * The one timer callback for every time limit: `setTimeout(expireTimer, ms, limited)` calls
 * `limited.expire()` without a closure made per call. Also used by the outbound transport's exchanges.
 */
export function expireTimer(limited: { expire(): void }): void {
  limited.expire();
}
