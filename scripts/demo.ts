/**
 * `npm start`: the demo. For now it serves mock-esia with a development system registered; the broker
 * and mock-journal join it as they are built. Prints the URL to open.
 */
import { loadConfig, ConfigError } from '../config/loader.ts';
import { serveMockEsia, writeDevSystem } from '../mock-esia/serve.ts';

try {
  const config = loadConfig();
  const dev = writeDevSystem('DEMO-JOURNAL');
  const esia = await serveMockEsia(config, { clients: [...config.mockEsia.clients, dev.registration] });
  console.log('Demo (development only: mock ЕСИА, generated keys).');
  console.log(`  mock ЕСИА: ${esia.url}`);
  console.log(`  system DEMO-JOURNAL key and certificate: ${dev.folder}`);
  console.log(`  published ESIA certificates: ${esia.url}/public/esia.zip`);
  console.log(`Open ${esia.url}/mock/demo to try a login.`);
  const stop = () => void esia.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `demo failed to start: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
