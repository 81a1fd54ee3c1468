/**
 * `npm run broker`: the broker alone, from CONFIG_FILE and the environment. The only broker file that
 * reads the environment, listens and exits.
 */
import { loadConfig } from '../config/loader.ts';
import { runService } from '../core/run.ts';
import { adapterSchemas } from '../adapters/registry.ts';
import { createPinoLogger } from '../core/pino-log.ts';
import { serveBroker } from './serve.ts';
import { tuneHeapForService } from '../core/heap.ts';

tuneHeapForService();

const log = createPinoLogger('broker');
await runService('broker', async () => {
  const config = loadConfig({ adapters: adapterSchemas() });
  const running = await serveBroker(config, { log });
  log.info({ url: running.url, journals: [...running.journals.keys()], store: running.stores.kind }, 'broker listening');
  return running;
});
