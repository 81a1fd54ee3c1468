/**
 * The baseline: bare node-oidc-provider, the library's own floor. The same provider settings as the
 * broker (`createProvider`: the same clients, ES256 key, cookie keys, TTLs, PKCE, scopes and claims) on
 * the same store (the broker's Redis adapter on the benchmark's Redis), but no upstream: its interaction
 * logs in one fixed account at once, and its accounts are a constant.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brokerSchema } from '../../config/broker.ts';
import { silentLogger } from '../../core/log.ts';
import { loadBrokerKeys } from '../../broker/keys.ts';
import { createProvider } from '../../broker/oidc/provider.ts';
import { CookieSigner } from '../../broker/cookie-signer.ts';
import { grantForConsentPrompt } from '../../broker/interactions/oidc-consent.ts';
import { createStores } from '../../broker/store/index.ts';
import { runChild } from './child.ts';
import { tuneHeapForService } from '../../core/heap.ts';

// The same heap settings as the broker (`broker/main.ts`).
tuneHeapForService();

const ACCOUNT_ID = 'bench-account';
const CLAIMS = {
  name: 'Бенчмарк Учётная Запись',
  family_name: 'Бенчмарк',
  given_name: 'Учётная',
  middle_name: 'Запись',
  role: 'parent',
  institution: { id: 'school-1', name: 'Школа №1' },
  age_group: 'adult',
};

runChild<{ broker: Record<string, unknown>; redisUrl: string }>(async (options) => {
  const config = brokerSchema.parse(options.broker);
  const keys = loadBrokerKeys(config);
  const stores = createStores({ redis: { url: options.redisUrl, keyPrefix: 'bare:' } }, { log: silentLogger });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = createProvider({
    issuer: url,
    clients: config.clients,
    jwks: keys.jwks,
    cookieSigner: new CookieSigner(keys.cookieKeys),
    ttl: config.ttl,
    adapter: stores.oidcAdapter,
    pairwiseSecret: keys.cookieKeys[0]!,
    allowPrivateNetworkCallbacks: false,
    log: () => {},
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...CLAIMS }) }),
    sessionFits: async () => true,
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      // A login at once; a consent prompt (prompt=consent, for offline_access) answered as the broker does.
      provider
        .interactionDetails(req, res)
        .then(async (details) =>
          provider.interactionFinished(
            req,
            res,
            details.prompt.name === 'consent'
              ? { consent: { grantId: await grantForConsentPrompt(provider, details) } }
              : { login: { accountId: ACCOUNT_ID, acr: 'confirmed', amr: ['pwd'], remember: true } },
            { mergeWithLastSubmission: false },
          ),
        )
        .catch(() => {
          res.statusCode = 400;
          res.end();
        });
      return;
    }
    callback(req, res);
  });
  return {
    info: { url },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
    },
  };
});
