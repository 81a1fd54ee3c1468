/**
 * A controllable clock. mock-esia reads time only through it, so tests (and the admin route) can
 * move time to check expiry, timestamp windows and persona ages.
 */
export interface Clock {
  /** The current time. */
  now(): Date;
}

export interface ControllableClock extends Clock {
  /** Pins time to `instant` (it then stands still until moved). */
  set(instant: Date): void;
  /** Moves the clock by `ms` milliseconds (negative moves back). */
  advance(ms: number): void;
  /** Returns to real time. */
  reset(): void;
}

/** A clock that follows real time plus an offset, or stands at a pinned instant. */
export function createControllableClock(base: Clock = { now: () => new Date() }): ControllableClock {
  let pinned: number | undefined;
  let offset = 0;
  return {
    now: () => new Date(pinned ?? base.now().getTime() + offset),
    set(instant) {
      pinned = instant.getTime();
    },
    advance(ms) {
      if (pinned !== undefined) pinned += ms;
      else offset += ms;
    },
    reset() {
      pinned = undefined;
      offset = 0;
    },
  };
}
