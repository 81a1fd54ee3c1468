/**
 * The broker under test, alone in its child process: `serveBroker` from a configuration as a region
 * would run it (Redis store, the software GOST signer, ES256 tokens, the journal over the HTTP adapter),
 * with warnings and errors logged to stderr.
 */
import { loadConfig } from '../../config/loader.ts';
import { adapterSchemas } from '../../adapters/registry.ts';
import { createConsoleLogger } from '../../core/console-log.ts';
import { serveBroker } from '../../broker/serve.ts';
import { runChild } from './child.ts';

runChild<{ overrides: Record<string, unknown> }>(async ({ overrides }) => {
  const log = createConsoleLogger('broker', 'warn');
  const config = loadConfig({ adapters: adapterSchemas(), overrides });
  const running = await serveBroker(config, { log });
  return { info: { url: running.url }, close: () => running.close() };
});
