/**
 * The roster adapter: a CSV or JSON file a small school exports (no API, no database). Lookups by
 * SNILS, by name and birth date and by id; relations from the pupils' rows. No password check: these
 * schools link from the journal. The file is reloaded when it changes (see `client.ts`).
 */
import { isIsoDate, normalizeSnils } from '../normalize.ts';
import type {
  AdapterDefinition,
  FullNameQuery,
  Institution,
  JournalAccount,
  JournalAdapter,
  RelationsCapability,
  Role,
} from '../types.ts';
import { RosterFile } from './client.ts';
import { rosterConfigSchema, type RosterAdapterConfig } from './config.ts';

export type { RosterAdapterConfig } from './config.ts';

class RosterAdapter implements JournalAdapter, RelationsCapability {
  readonly kind = 'roster';

  constructor(
    readonly journalId: string,
    private readonly file: RosterFile,
  ) {}

  async findBySnils(snils: string, role: Role): Promise<JournalAccount[]> {
    const digits = normalizeSnils(snils);
    return digits ? this.file.snapshot.findBySnils(digits, role) : [];
  }

  async findByFullName(query: FullNameQuery): Promise<JournalAccount[]> {
    if (!isIsoDate(query.birthDate)) return [];
    return this.file.snapshot.findByFullName(query.role, query, query.birthDate);
  }

  async getAccount(accountId: string): Promise<JournalAccount | undefined> {
    return this.file.snapshot.get(accountId);
  }

  async listInstitutions(): Promise<Institution[]> {
    return this.file.snapshot.institutions.map((i) => ({ ...i }));
  }

  async parentsOf(pupilAccountId: string): Promise<JournalAccount[]> {
    return this.file.snapshot.parentsOf(pupilAccountId);
  }

  async childrenOf(parentAccountId: string): Promise<JournalAccount[]> {
    return this.file.snapshot.childrenOf(parentAccountId);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** The `roster` adapter kind. */
export const rosterAdapter: AdapterDefinition<RosterAdapterConfig> = {
  configSchema: rosterConfigSchema,
  async create(journalId, config, deps) {
    return new RosterAdapter(journalId, await RosterFile.open(journalId, config, deps.log));
  },
};
