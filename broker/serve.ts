/**
 * Starts the broker from a loaded configuration: stores (Redis, or memory in development), journals
 * (adapters with their guards), the ESIA client, and the HTTP listener. Used by `broker/main.ts` and
 * the demo.
 */
import type { Server } from 'node:http';
import { listen } from '../core/listen.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { createOutbound } from '../core/outbound.ts';
import { createJournals } from '../adapters/registry.ts';
import type { JournalAdapter } from '../adapters/types.ts';
import { createBroker, type Broker } from './app.ts';
import type { EsiaClient } from './esia/client.ts';
import { createEsiaClient } from './esia/index.ts';
import { assertProductionReady, developmentDefaults } from './readiness.ts';
import { createStores, type Stores } from './store/index.ts';
import { createLinkStore } from './links/store.ts';
import { createAuditLog } from './audit/log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createConsentStore } from './consent/store.ts';
import { loadBrokerKeys } from './keys.ts';
import { sharedBrokerKeys } from './shared-keys.ts';

export interface RunningBroker {
  readonly url: string;
  readonly server: Server;
  readonly broker: Broker;
  readonly stores: Stores;
  readonly journals: ReadonlyMap<string, JournalAdapter>;
  close(): Promise<void>;
}

export async function serveBroker(config: Config, deps: { log: Logger; esia?: EsiaClient; clock?: () => Date; metrics?: Metrics }): Promise<RunningBroker> {
  assertProductionReady(config);
  for (const d of developmentDefaults(config)) deps.log.warn({ key: d.key }, d.warning);
  const clock = deps.clock ?? (() => new Date());
  // An ESIA client passed in reports to `deps.metrics` when it was built with its `esia` observer.
  const metrics = deps.metrics ?? createMetrics();
  const esia = deps.esia ?? (config.esia ? createEsiaClient(config.esia, { clock, observer: metrics.esia }) : undefined);
  if (!esia) throw new Error('no ESIA client configured (the `esia` section); `npm start` runs the demo with mock-esia');
  const { host, port, publicUrl } = config.broker;
  const listener = await listen(port, host);
  const { server } = listener;
  const url = (publicUrl ?? listener.url).replace(/\/+$/, '');
  const redis = config.redis ?? config.redisUrl;
  const stores = createStores(redis ? { redis } : { memory: true }, { log: deps.log, clock });
  // Several instances on one Redis share the keys the config lacks (development; production configures them).
  const keys = stores.redis ? await sharedBrokerKeys(config.broker, stores.redis) : loadBrokerKeys(config.broker);
  // No transport-level retries for journals: each call carries a single-use client assertion, and the
  // resilience guard decides what a failure means.
  const journals = await createJournals(config.journals, { outbound: createOutbound({ timeoutMs: 5_000, retries: 0 }), log: deps.log, clock, observer: metrics.adapters });
  const broker = createBroker({
    config: config.broker,
    issuer: url,
    esia,
    kv: stores.kv,
    oidcAdapter: stores.oidcAdapter,
    links: createLinkStore(stores),
    audit: createAuditLog(stores),
    consents: createConsentStore(stores),
    journalNames: new Map(config.journals.map((j) => [j.id, j.name])),
    adapters: journals,
    timeZone: config.timeZone,
    clock,
    log: deps.log,
    metrics,
    redis: stores.redis,
    keys,
  });
  server.on('request', broker.handler);
  return {
    url,
    server,
    broker,
    stores,
    journals,
    close: async () => {
      await listener.close();
      await broker.stop();
      await Promise.allSettled([...journals.values()].map((j) => j.close()));
      await stores.close();
    },
  };
}
