/**
 * The benchmark's upstreams in one child process, apart from the broker: mock-esia (the ESIA stand-in,
 * GOST-signed tokens) and mock-journal (the journal's adapter API over HTTP, as a region's journal would
 * serve it). Their CPU is not the broker's.
 */
import { loadConfig } from '../../config/loader.ts';
import { adapterSchemas } from '../../adapters/registry.ts';
import type { MockEsiaClientInput } from '../../config/schema.ts';
import { serveMockEsia } from '../../mock-esia/serve.ts';
import { serveMockJournal } from '../../mock-journal/serve.ts';
import { runChild } from './child.ts';

export interface UpstreamOptions {
  /** The broker's registration at mock-esia. */
  esiaClient: MockEsiaClientInput;
  /** The public key the broker signs its journal API assertions with (JWK). */
  journalJwk: Record<string, unknown>;
}

runChild<UpstreamOptions>(async (options) => {
  const base = loadConfig({ adapters: adapterSchemas(), overrides: { mockEsia: { port: 0 }, mockJournal: { port: 0 } } });
  const esia = await serveMockEsia(base, { clients: [options.esiaClient], log: () => {} });
  const journal = await serveMockJournal(base, { brokerJwks: { keys: [options.journalJwk as never] }, log: () => {} });
  return {
    info: { esiaUrl: esia.url, journalApiUrl: journal.apiUrl, esiaCertificates: esia.app.esia.deps.keys.published().map((k) => k.certificatePem) },
    close: async () => {
      await journal.close();
      await esia.close();
    },
  };
});
