/**
 * Adapter errors: what went wrong talking to a journal, as a stable code the broker turns into a clear
 * page ("the journal is not answering, try again in a few minutes") and a log line with details.
 */
import { BaseError } from '../core/errors.ts';

export type AdapterErrorCode =
  /** The journal is down or unreachable (network error, HTTP 5xx, database connection refused). */
  | 'ERR_ADAPTER_UNAVAILABLE'
  /** The journal did not answer in time. */
  | 'ERR_ADAPTER_TIMEOUT'
  /** The journal answered something that is not the contract (bad JSON, wrong shape, unexpected status). */
  | 'ERR_ADAPTER_BAD_RESPONSE'
  /** The journal refused our credentials. */
  | 'ERR_ADAPTER_UNAUTHORIZED'
  /** Too many calls in flight to this journal; the queue is full. */
  | 'ERR_ADAPTER_OVERLOADED'
  /** The circuit breaker is open after repeated failures; calls fail fast until it half-opens. */
  | 'ERR_ADAPTER_CIRCUIT_OPEN'
  /** The adapter's configuration or data source is wrong (missing file, bad query). */
  | 'ERR_ADAPTER_CONFIG';

export class AdapterError extends BaseError<AdapterErrorCode> {
  constructor(
    code: AdapterErrorCode,
    message: string,
    options: { cause: unknown; journalId?: string },
  ) {
    super(code, message, options);
    this.journalId = options.journalId;
  }
  readonly journalId?: string;
}

/** Failures that mean the journal is unhealthy (they count toward opening the circuit). */
export function isJournalFailure(err: unknown): boolean {
  return (
    err instanceof AdapterError &&
    (err.code === 'ERR_ADAPTER_UNAVAILABLE' || err.code === 'ERR_ADAPTER_TIMEOUT' || err.code === 'ERR_ADAPTER_BAD_RESPONSE')
  );
}
