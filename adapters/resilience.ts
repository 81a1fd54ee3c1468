/**
 * Per-journal resilience around any adapter: a timeout on every call, a concurrency limit with a
 * bounded queue, and a circuit breaker. A journal that is down, slow or answers garbage gives a typed
 * AdapterError quickly instead of piling up logins; the broker turns it into a clear page.
 */
import { Deadline } from '../core/deadline.ts';
import type { Logger } from '../core/log.ts';
import { AdapterError, isJournalFailure } from './errors.ts';
import {
  hasLinkWriteBack,
  hasPasswordCheck,
  hasRelations,
  type AdapterObserver,
  type JournalAdapter,
  type LinkWriteBackCapability,
  type PasswordCapability,
  type RelationsCapability,
} from './types.ts';

export interface ResilienceOptions {
  /** Per-call time limit, milliseconds. */
  timeoutMs: number;
  /** Calls in flight at once to this journal. */
  maxConcurrent: number;
  /**
   * Calls waiting for a slot; beyond this, ERR_ADAPTER_OVERLOADED at once. A call also gives up with
   * ERR_ADAPTER_OVERLOADED when no slot frees within `timeoutMs` (its own time limit starts then).
   */
  maxQueue: number;
  /** Consecutive journal failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through, milliseconds. */
  openMs: number;
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  timeoutMs: 5_000,
  maxConcurrent: 32,
  maxQueue: 1_000,
  failureThreshold: 5,
  openMs: 30_000,
};

type CircuitState = 'closed' | 'open' | 'half-open';

/** The breaker and the limiter of one journal, observable for metrics and tests. */
export class JournalGuard {
  private state: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private running = 0;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly journalId: string,
    private readonly options: ResilienceOptions,
    private readonly clock: () => Date,
    private readonly log: Logger,
    private readonly observer?: AdapterObserver,
  ) {}

  get circuit(): CircuitState {
    if (this.state === 'open' && this.clock().getTime() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.state;
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** Runs `call` under the breaker, the limiter and the timeout; reports it to the observer. */
  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const observer = this.observer;
    if (!observer) return this.guarded(operation, call);
    const started = performance.now();
    let code: string | undefined;
    try {
      return await this.guarded(operation, call);
    } catch (err) {
      code = err instanceof AdapterError ? err.code : 'ERR_UNKNOWN';
      throw err;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      observer.call({ journalId: this.journalId, operation, outcome: code ? 'error' : 'ok', ...(code ? { code } : {}), seconds });
    }
  }

  private async guarded<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.admit(operation);
    await this.acquire(operation);
    try {
      const result = await this.withTimeout(operation, call);
      this.succeeded();
      return result;
    } catch (err) {
      if (isJournalFailure(err)) this.failed(operation, err);
      else this.probing = false;
      throw err;
    } finally {
      this.release();
    }
  }

  private admit(operation: string): void {
    const circuit = this.circuit;
    if (circuit === 'closed') return;
    if (circuit === 'half-open' && !this.probing) {
      this.state = 'half-open';
      this.probing = true;
      return;
    }
    throw new AdapterError('ERR_ADAPTER_CIRCUIT_OPEN', `journal ${this.journalId}: circuit open, ${operation} refused`, {
      cause: { failures: this.failures },
      journalId: this.journalId,
    });
  }

  private async acquire(operation: string): Promise<void> {
    if (this.running < this.options.maxConcurrent) {
      this.running++;
      return;
    }
    if (this.waiting.size >= this.options.maxQueue) throw this.overloaded(operation, 'too many calls waiting');
    // Waits in line (first come, first served) for at most the call's own time limit.
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(granted);
        reject(this.overloaded(operation, `no free slot within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.waiting.add(granted);
    });
  }

  private overloaded(operation: string, why: string): AdapterError {
    return new AdapterError('ERR_ADAPTER_OVERLOADED', `journal ${this.journalId}: ${why}, ${operation} refused`, {
      cause: { running: this.running, queued: this.waiting.size },
      journalId: this.journalId,
    });
  }

  /** Hands the slot to the longest-waiting call, or frees it. */
  private release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.running--;
      return;
    }
    this.waiting.delete(next.value);
    next.value();
  }

  private withTimeout<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return new JournalCall(call(), operation, this.journalId, this.options.timeoutMs).promise;
  }

  private succeeded(): void {
    if (this.state !== 'closed') this.log.info({ journalId: this.journalId }, 'journal circuit closed');
    this.state = 'closed';
    this.failures = 0;
    this.probing = false;
  }

  private failed(operation: string, err: unknown): void {
    this.failures++;
    const wasProbe = this.probing;
    this.probing = false;
    if (wasProbe || this.failures >= this.options.failureThreshold) {
      if (this.state !== 'open' || wasProbe) {
        this.log.warn(
          { journalId: this.journalId, operation, failures: this.failures, code: (err as AdapterError).code },
          'journal circuit opened',
        );
      }
      this.state = 'open';
      this.openedAt = this.clock().getTime();
    }
  }
}

/** A journal call in flight: its own failures pass through; past the time limit, ERR_ADAPTER_TIMEOUT. */
class JournalCall<T> extends Deadline<T> {
  constructor(
    pending: Promise<T>,
    private readonly operation: string,
    private readonly journalId: string,
    private readonly timeoutMs: number,
  ) {
    super(pending, timeoutMs);
  }

  protected failure(cause: unknown): unknown {
    return cause;
  }

  protected timedOut(): AdapterError {
    return new AdapterError('ERR_ADAPTER_TIMEOUT', `journal ${this.journalId}: ${this.operation} took longer than ${this.timeoutMs} ms`, {
      cause: { timeoutMs: this.timeoutMs },
      journalId: this.journalId,
    });
  }
}

/** An adapter with the same capabilities as `adapter`, every call guarded. */
export function withResilience(
  adapter: JournalAdapter,
  options: ResilienceOptions,
  deps: { clock: () => Date; log: Logger; observer?: AdapterObserver },
): JournalAdapter & { readonly guard: JournalGuard } {
  const guard = new JournalGuard(adapter.journalId, options, deps.clock, deps.log, deps.observer);
  // Each call goes to the guard as a bound method rather than a closure made per call (core/deadline.ts).
  const guarded: JournalAdapter & { guard: JournalGuard } & Partial<PasswordCapability & RelationsCapability & LinkWriteBackCapability> = {
    journalId: adapter.journalId,
    kind: adapter.kind,
    guard,
    findBySnils: (snils, role) => guard.run('findBySnils', adapter.findBySnils.bind(adapter, snils, role)),
    findByFullName: (query) => guard.run('findByFullName', adapter.findByFullName.bind(adapter, query)),
    getAccount: (id) => guard.run('getAccount', adapter.getAccount.bind(adapter, id)),
    listInstitutions: () => guard.run('listInstitutions', adapter.listInstitutions.bind(adapter)),
    close: () => adapter.close(),
  };
  if (hasPasswordCheck(adapter)) {
    guarded.verifyPassword = (login, password) => guard.run('verifyPassword', adapter.verifyPassword.bind(adapter, login, password));
  }
  if (hasRelations(adapter)) {
    guarded.parentsOf = (id) => guard.run('parentsOf', adapter.parentsOf.bind(adapter, id));
    guarded.childrenOf = (id) => guard.run('childrenOf', adapter.childrenOf.bind(adapter, id));
  }
  if (hasLinkWriteBack(adapter)) {
    guarded.recordLink = (id, notice) => guard.run('recordLink', adapter.recordLink.bind(adapter, id, notice));
    guarded.removeLink = (id) => guard.run('removeLink', adapter.removeLink.bind(adapter, id));
  }
  return guarded;
}
