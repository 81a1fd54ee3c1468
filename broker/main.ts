/**
 * `npm run broker`: the broker alone, from CONFIG_FILE and the environment. The only broker file that
 * reads the environment, listens and exits.
 */
import { loadConfig } from '../config/loader.ts';
import { runService } from '../core/run.ts';
import { adapterSchemas } from '../adapters/registry.ts';
import { createPinoLogger } from '../core/pino-log.ts';
import { serveBroker } from './serve.ts';
import { missingServiceFlags, tuneHeapForService } from '../core/heap.ts';

tuneHeapForService();

const log = createPinoLogger('broker');
const missing = missingServiceFlags();
if (missing.length) log.warn({ flags: missing }, 'node was started without the flags the broker is tuned for (see core/heap.ts): it works, with more CPU per login');
await runService('broker', async () => {
  const config = loadConfig({ adapters: adapterSchemas() });
  const running = await serveBroker(config, { log });
  log.info({ url: running.url, journals: [...running.journals.keys()], store: running.stores.kind }, 'broker listening');
  return running;
});
