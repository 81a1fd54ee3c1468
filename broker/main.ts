/**
 * `npm run broker`: the broker alone, from CONFIG_FILE and the environment. The only broker file that
 * reads the environment, listens and exits.
 */
import { loadConfig, ConfigError } from '../config/loader.ts';
import { adapterSchemas } from '../adapters/registry.ts';
import { createConsoleLogger } from '../core/console-log.ts';
import { serveBroker } from './serve.ts';

const log = createConsoleLogger('broker');
try {
  const config = loadConfig({ adapters: adapterSchemas() });
  const running = await serveBroker(config, { log });
  log.info({ url: running.url, journals: [...running.journals.keys()], store: running.stores.kind }, 'broker listening');
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`broker failed to start: ${(err as Error).message}`);
  process.exit(1);
}
