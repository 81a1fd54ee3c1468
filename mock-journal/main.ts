/**
 * `npm run mock-journal`: serves mock-journal (port 3002 by default; MOCK_JOURNAL_PORT,
 * MOCK_JOURNAL_HOST, MOCK_JOURNAL_PUBLIC_URL, MOCK_JOURNAL_BROKER_CLIENT_ID or a CONFIG_FILE override
 * it). The only mock-journal file that reads the environment, listens and exits.
 */
import { loadConfig } from '../config/loader.ts';
import { runService } from '../core/run.ts';
import { createPinoLogger } from '../core/pino-log.ts';
import { serveMockJournal, writeDevBrokerKey } from './serve.ts';

const log = createPinoLogger('mock-journal');

await runService('mock-journal', async () => {
  const config = loadConfig();
  const dev = config.mockJournal.brokerJwks?.keys.length ? undefined : writeDevBrokerKey();
  const running = await serveMockJournal(config, { log: (message, detail) => log.warn({ detail }, message), ...(dev ? { brokerJwks: dev.jwks } : {}) });
  console.log(`mock-journal (a stand-in school journal, development only) listening on ${running.url}`);
  console.log(`  adapter API (openapi: adapters/http/openapi.json): ${running.apiUrl}`);
  if (dev) {
    const journal = running.app.journal.store;
    const adapterConfig = dev.writeAdapterConfig({
      apiUrl: running.apiUrl,
      clientId: config.mockJournal.brokerClientId,
      journalId: journal.journalId,
      journalName: journal.journalName,
    });
    console.log(
      `No broker keys configured: generated a development ES256 key (kid ${dev.kid}) and trust it.\n` +
        `  its private key: ${dev.privateKeyFile}\n` +
        `  a journal entry for the broker's config that uses it: ${adapterConfig}`,
    );
  }
  return running;
});
