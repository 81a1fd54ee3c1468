/**
 * The broker's Prometheus metrics, on a registry of its own (one per broker instance, so tests that
 * build several brokers do not clash; never prom-client's global registry). The rest of the code
 * reports through small methods and observers (`esia`, `adapters`) and never imports prom-client.
 * Labels carry codes and names only, never personal data.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AdapterObserver } from '../adapters/types.ts';
import type { EsiaObserver } from './esia/client.ts';

/** How a login ended: logged in; refused (a page said why); sent back to the journal with an error. */
export type LoginOutcome = 'success' | 'refused' | 'aborted';

export interface Metrics {
  readonly registry: Registry;
  /** For the ESIA client's `observer` option. */
  readonly esia: EsiaObserver;
  /** For the adapters' `observer` dependency. */
  readonly adapters: AdapterObserver;
  /** A login ended; `reason` is a wire code (`no_linked_account`, …) or how it succeeded (`esia`, `school_password`). */
  login(outcome: LoginOutcome, reason: string): void;
  /** A link was attempted: `method` auto | manual-password | journal-initiated; `outcome` linked | conflict. */
  link(method: string, outcome: 'linked' | 'conflict'): void;
  /** A link was removed; `actor` journal | person | admin. */
  unlink(actor: string): void;
  /** An error event of the Redis connection. */
  redisError(): void;
  /** A parental consent request reached `state` (requested, granted, declined, expired, …). */
  consent(state: string): void;
  /** The text exposition and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const NETWORK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIGNER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A wire code without its detail (`esia_level_too_low: confirmed required` → `esia_level_too_low`), bounded. */
function reasonLabel(reason: string): string {
  const head = reason.split(':')[0]!.trim();
  return /^[a-z0-9_]{1,64}$/.test(head) ? head : 'other';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const logins = new Counter({ name: 'broker_logins_total', help: 'Logins that ended, by outcome and reason.', labelNames: ['outcome', 'reason'], registers });
  const esiaDuration = new Histogram({
    name: 'broker_esia_request_duration_seconds',
    help: 'ESIA calls by endpoint (token, person, kids) and result code (ok or the error code).',
    labelNames: ['endpoint', 'code'],
    buckets: NETWORK_BUCKETS,
    registers,
  });
  const signerDuration = new Histogram({ name: 'broker_signer_duration_seconds', help: 'Signatures of ESIA client secrets, by signer.', labelNames: ['signer'], buckets: SIGNER_BUCKETS, registers });
  const signerErrors = new Counter({ name: 'broker_signer_errors_total', help: 'Failed signatures, by signer.', labelNames: ['signer'], registers });
  const adapterDuration = new Histogram({
    name: 'broker_adapter_request_duration_seconds',
    help: 'Journal adapter calls (through the resilience guard), by journal, operation and outcome.',
    labelNames: ['journal', 'operation', 'outcome'],
    buckets: NETWORK_BUCKETS,
    registers,
  });
  const adapterErrors = new Counter({ name: 'broker_adapter_errors_total', help: 'Failed journal adapter calls, by journal, operation and error code.', labelNames: ['journal', 'operation', 'code'], registers });
  const links = new Counter({ name: 'broker_links_total', help: 'Links of ESIA persons to journal accounts, by method and outcome.', labelNames: ['method', 'outcome'], registers });
  const unlinks = new Counter({ name: 'broker_unlinks_total', help: 'Links removed, by who removed them.', labelNames: ['actor'], registers });
  const redisErrors = new Counter({ name: 'broker_redis_errors_total', help: 'Error events of the Redis connection.', registers });
  const consents = new Counter({ name: 'broker_consent_requests_total', help: 'Parental consent requests, by the state they reached.', labelNames: ['state'], registers });

  return {
    registry,
    esia: {
      request: ({ endpoint, code, seconds }) => esiaDuration.observe({ endpoint, code }, seconds),
      sign: ({ signer, ok, seconds }) => {
        signerDuration.observe({ signer }, seconds);
        if (!ok) signerErrors.inc({ signer });
      },
    },
    adapters: {
      call: ({ journalId, operation, outcome, code, seconds }) => {
        adapterDuration.observe({ journal: journalId, operation, outcome }, seconds);
        if (outcome === 'error') adapterErrors.inc({ journal: journalId, operation, code: code ?? 'ERR_UNKNOWN' });
      },
    },
    login: (outcome, reason) => logins.inc({ outcome, reason: reasonLabel(reason) }),
    link: (method, outcome) => links.inc({ method, outcome }),
    unlink: (actor) => unlinks.inc({ actor }),
    redisError: () => redisErrors.inc(),
    consent: (state) => consents.inc({ state: reasonLabel(state) }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
