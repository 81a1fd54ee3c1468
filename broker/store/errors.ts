/** Storage errors: one class, a stable code to branch on, the driver's error as `cause`. */
import { BaseError } from '../../core/errors.ts';

export type StoreErrorCode =
  /** A TTL that is missing, not a number or not positive: no key is written without one. */
  | 'ERR_STORE_INVALID_TTL'
  /** A value that cannot be stored as JSON, or a counter that is not an integer. */
  | 'ERR_STORE_INVALID_VALUE'
  /** A stored value that is not the JSON this layer wrote. */
  | 'ERR_STORE_CORRUPT'
  /** The backing store failed or could not be reached. */
  | 'ERR_STORE_UNAVAILABLE'
  /** The store configuration cannot be used. */
  | 'ERR_STORE_CONFIG';

export class StoreError extends BaseError<StoreErrorCode> {}

/**
 * Whole seconds for a TTL: rounds up, refuses anything that is not a positive finite number. Redis
 * and the memory store count in whole seconds, so both agree on when a key is gone.
 */
export function ttlSecondsOf(ttlSeconds: unknown): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new StoreError('ERR_STORE_INVALID_TTL', 'a positive TTL in seconds is required', { cause: { ttlSeconds } });
  }
  return Math.ceil(ttlSeconds);
}

/** JSON text for a value; `undefined`, functions and symbols cannot be stored. */
export function toJson(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new StoreError('ERR_STORE_INVALID_VALUE', 'the value cannot be serialized as JSON', { cause });
  }
  if (json === undefined) {
    throw new StoreError('ERR_STORE_INVALID_VALUE', 'the value cannot be serialized as JSON', { cause: { type: typeof value } });
  }
  return json;
}

/** Parses JSON this layer wrote; anything else is corruption (reported without the key or value). */
export function fromJson(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (cause) {
    throw new StoreError('ERR_STORE_CORRUPT', 'a stored value is not JSON', { cause });
  }
}
