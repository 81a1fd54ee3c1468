/**
 * `npm run mock-esia`: serves mock-esia (port 3001 by default; MOCK_ESIA_PORT, MOCK_ESIA_HOST,
 * MOCK_ESIA_PUBLIC_URL or a CONFIG_FILE override it). The only mock-esia file that reads the
 * environment, listens and exits.
 */
import { loadConfig } from '../config/loader.ts';
import { runService } from '../core/run.ts';
import { createPinoLogger } from '../core/pino-log.ts';
import { serveMockEsia, writeDevSystem } from './serve.ts';

const log = createPinoLogger('mock-esia');

await runService('mock-esia', async () => {
  const config = loadConfig();
  let extra: Parameters<typeof serveMockEsia>[1] = { log: (message, error) => log.error({ err: error }, message) };
  let note = '';
  if (!config.mockEsia.clients.length) {
    const dev = writeDevSystem('DEMO-JOURNAL');
    extra = { ...extra, clients: [dev.registration] };
    note =
      `No systems configured: registered DEMO-JOURNAL on localhost and 127.0.0.1 (development only).\n` +
      `  its key and certificate: ${dev.folder}\n  client_certificate_hash: ${dev.certificateHash}`;
  }
  const running = await serveMockEsia(config, extra);
  console.log(`mock-esia (a stand-in for ЕСИА, development only) listening on ${running.url}`);
  if (note) console.log(note);
  return running;
});
