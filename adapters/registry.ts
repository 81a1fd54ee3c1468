/**
 * The adapter registry: an explicit object of every adapter kind, passed into the app (no scanning,
 * no side-effect registration). Its config schemas make the `journals` tagged union; `createJournals`
 * builds each configured journal's adapter and wraps it in its resilience guard.
 */
import type { JournalConfig } from '../config/schema.ts';
import { AdapterError } from './errors.ts';
import { httpAdapter } from './http/index.ts';
import { withResilience } from './resilience.ts';
import { rosterAdapter } from './roster/index.ts';
import { sqlAdapter } from './sql/index.ts';
import type { AdapterDefinition, AdapterDeps, JournalAdapter } from './types.ts';

export type AdapterRegistry = Readonly<Record<string, AdapterDefinition<unknown>>>;

export const adapterRegistry = {
  http: httpAdapter,
  sql: sqlAdapter,
  roster: rosterAdapter,
} as const satisfies Record<string, AdapterDefinition<unknown>>;

/** The registry's config schemas, for the config loader's `journals` union. */
export function adapterSchemas(registry: AdapterRegistry = adapterRegistry) {
  return Object.fromEntries(Object.entries(registry).map(([type, def]) => [type, def.configSchema]));
}

/** Builds every journal's adapter (guarded). On a failure the ones already built are closed. */
export async function createJournals(
  journals: readonly JournalConfig[],
  deps: AdapterDeps,
  registry: AdapterRegistry = adapterRegistry,
): Promise<Map<string, JournalAdapter>> {
  const built = new Map<string, JournalAdapter>();
  try {
    for (const journal of journals) {
      const definition = registry[journal.type];
      if (!definition) {
        throw new AdapterError('ERR_ADAPTER_CONFIG', `journal ${journal.id}: unknown adapter type ${journal.type}`, {
          cause: journal.type,
          journalId: journal.id,
        });
      }
      const config = definition.configSchema.parse(journal.config);
      const adapter = await definition.create(journal.id, config, deps);
      built.set(journal.id, withResilience(adapter, journal.resilience, deps));
    }
  } catch (err) {
    await Promise.allSettled([...built.values()].map((a) => a.close()));
    throw err;
  }
  return built;
}
