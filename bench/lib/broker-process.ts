/**
 * The broker under test, alone in its child process: `serveBroker` from a configuration as a region
 * would run it (Redis store, the software GOST signer, ES256 tokens, the journal over the HTTP adapter),
 * and its production logger (pino JSON lines on stdout, which the benchmark discards).
 */
import { loadConfig } from '../../config/loader.ts';
import { adapterSchemas } from '../../adapters/registry.ts';
import { createPinoLogger } from '../../core/pino-log.ts';
import { serveBroker } from '../../broker/serve.ts';
import { runChild } from './child.ts';
import { tuneHeapForService } from '../../core/heap.ts';

// As `broker/main.ts` runs.
tuneHeapForService();

runChild<{ overrides: Record<string, unknown> }>(async ({ overrides }) => {
  // The production logger at its production level, as `broker/main.ts` runs it (its stdout is discarded).
  const log = createPinoLogger('broker');
  const config = loadConfig({ adapters: adapterSchemas(), overrides });
  const running = await serveBroker(config, { log });
  return { info: { url: running.url }, close: () => running.close() };
});
