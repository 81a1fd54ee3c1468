/**
 * The demo stack in one process: mock-esia (a stand-in for ЕСИА), mock-journal (the journal: its
 * accounts behind the adapter HTTP contract, and its "Войти через Госуслуги" as the broker's OIDC
 * client) and the broker between them, on the in-memory store with development keys.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { loadConfig } from '../config/loader.ts';
import { esiaClientSchema } from '../config/schema.ts';
import { adapterSchemas } from '../adapters/registry.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { createDevSystem, devSystemRegistration } from '../mock-esia/demo-system.ts';
import { serveMockEsia, type RunningMockEsia } from '../mock-esia/serve.ts';
import { serveMockJournal, type RunningMockJournal } from '../mock-journal/serve.ts';
import { createEsiaClient } from '../broker/esia/index.ts';
import { createMetrics } from '../broker/metrics.ts';
import { serveBroker, type RunningBroker } from '../broker/serve.ts';

export const DEMO_JOURNAL_ID = 'demo-journal';
export const DEMO_CLIENT_ID = 'demo-journal-web';

export interface DemoStack {
  readonly esia: RunningMockEsia;
  readonly journal: RunningMockJournal;
  readonly broker: RunningBroker;
  close(): Promise<void>;
}

export async function startDemoStack(options: { ports?: { broker: number; esia: number; journal: number }; log?: Logger } = {}): Promise<DemoStack> {
  const log = options.log ?? silentLogger;
  // Ports from the caller (tests), else from the environment (`PORT`, `MOCK_ESIA_PORT`, `MOCK_JOURNAL_PORT`) or the defaults.
  const given = options.ports;
  const base = loadConfig({
    adapters: adapterSchemas(),
    overrides: given ? { broker: { port: given.broker }, mockEsia: { port: given.esia }, mockJournal: { port: given.journal } } : {},
  });
  const ports = given ?? { broker: base.broker.port, esia: base.mockEsia.port, journal: base.mockJournal.port };
  const system = createDevSystem('ESIA-BROKER-DEMO');
  const esia = await serveMockEsia(base, { clients: [devSystemRegistration(system)], log: (m, e) => log.error({ err: String(e) }, m) });

  // The broker's key for the journal API, and the journal's client secret at the broker.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'demo-broker', alg: 'ES256', use: 'sig' };
  const clientSecret = randomBytes(32).toString('base64url');
  const brokerUrl = `http://${base.broker.host}:${ports.broker}`;
  const journal = await serveMockJournal(base, {
    brokerJwks: { keys: [jwk as never] },
    log: (m, d) => log.warn({ detail: String(d ?? '') }, m),
    oidc: { issuer: brokerUrl, clientId: DEMO_CLIENT_ID, clientSecret, allowHttp: true },
  });

  const config = loadConfig({
    adapters: adapterSchemas(),
    overrides: {
      broker: {
        port: ports.broker,
        allowPrivateNetworkCallbacks: true,
        clients: [
          {
            clientId: DEMO_CLIENT_ID,
            name: 'Электронный журнал (демо)',
            clientSecret,
            redirectUris: [`${journal.url}/oidc/callback`],
            postLogoutRedirectUris: [`${journal.url}/`],
            linkReturnUris: [`${journal.url}/settings/esia-linked`],
            journal: DEMO_JOURNAL_ID,
          },
        ],
      },
      journals: [
        {
          type: 'http',
          id: DEMO_JOURNAL_ID,
          name: 'Электронный журнал (демо)',
          config: {
            baseUrl: journal.apiUrl,
            auth: { type: 'jwt', clientId: 'esia-broker', alg: 'ES256', kid: 'demo-broker', privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
          },
        },
      ],
    },
  });
  const metrics = createMetrics();
  const esiaClient = createEsiaClient(
    esiaClientSchema.parse({
      environment: 'custom',
      baseUrl: esia.url,
      mnemonic: system.mnemonic,
      signer: { type: 'software', privateKey: system.privateKeyPem, certificate: system.certificatePem },
      pinnedCertificates: esia.app.esia.deps.keys.published().map((k) => k.certificatePem),
    }),
    { observer: metrics.esia },
  );
  const broker = await serveBroker(config, { log, esia: esiaClient, metrics });

  return {
    esia,
    journal,
    broker,
    close: async () => {
      await broker.close();
      await journal.close();
      await esia.close();
    },
  };
}
