/**
 * The SQL adapter: reads a journal's own legacy database (PostgreSQL) through the queries the region
 * configured for its schema (see `config.ts`). Lookups by SNILS, by name and birth date and by id;
 * school passwords in the journal's stored formats; parent–child relations when those queries are
 * configured. Rows the queries return are checked again here by the shared matching rules, so a query
 * that returns too much never links the wrong person. It never writes (the link write-back capability
 * is absent on purpose: the database is the journal's, read through a read-only role).
 */
import type { z } from 'zod';
import type { Logger } from '../../core/log.ts';
import { AdapterError } from '../errors.ts';
import { isIsoDate, normalizeName, normalizeSnils, sameFullName } from '../normalize.ts';
import type {
  AdapterDefinition,
  FullNameQuery,
  Institution,
  JournalAccount,
  JournalAdapter,
  PasswordCapability,
  RelationsCapability,
  Role,
} from '../types.ts';
import { SqlClient, type Row } from './client.ts';
import { sqlConfigSchema, type SqlAdapterConfig, type SqlOperation } from './config.ts';
import {
  ACCOUNT_COLUMNS,
  accountRowSchema,
  INSTITUTION_COLUMNS,
  institutionRowSchema,
  mapAccount,
  mapInstitution,
  PASSWORD_COLUMNS,
  passwordRowSchema,
} from './map.ts';
import { createPasswordVerifier, type PasswordVerifier } from './passwords.ts';

export type { SqlAdapterConfig } from './config.ts';

class SqlAdapter implements JournalAdapter, PasswordCapability {
  readonly kind = 'sql';
  private readonly passwords: PasswordVerifier;
  private readonly unmappedRoles = new Set<string>();

  constructor(
    readonly journalId: string,
    private readonly config: SqlAdapterConfig,
    protected readonly client: SqlClient,
    private readonly log: Logger,
  ) {
    this.passwords = createPasswordVerifier(config.passwordFormat);
  }

  async findBySnils(snils: string, role: Role): Promise<JournalAccount[]> {
    const digits = normalizeSnils(snils);
    const roleValues = this.roleValues(role);
    if (!digits || !roleValues.length) return [];
    const accounts = await this.accounts('findBySnils', [digits, roleValues]);
    return accounts.filter((a) => a.role === role && a.snils === digits);
  }

  async findByFullName(query: FullNameQuery): Promise<JournalAccount[]> {
    const roleValues = this.roleValues(query.role);
    const lastName = normalizeName(query.lastName);
    const firstName = normalizeName(query.firstName);
    if (!isIsoDate(query.birthDate) || !lastName || !firstName || !roleValues.length) return [];
    const middleName = normalizeName(query.middleName ?? '');
    const accounts = await this.accounts('findByFullName', [lastName, firstName, middleName, query.birthDate, roleValues]);
    return accounts.filter((a) => a.role === query.role && a.birthDate === query.birthDate && sameFullName(a.fullName, query));
  }

  async getAccount(accountId: string): Promise<JournalAccount | undefined> {
    if (!accountId.trim()) return undefined;
    const accounts = await this.accounts('getAccount', [accountId]);
    return accounts.find((a) => a.accountId === accountId);
  }

  async listInstitutions(): Promise<Institution[]> {
    const rows = await this.client.run('institutions', [], INSTITUTION_COLUMNS);
    const seen = new Map<string, Institution>();
    for (const row of rows) {
      const institution = mapInstitution(this.parse('institutions', institutionRowSchema, row));
      if (!seen.has(institution.id)) seen.set(institution.id, institution);
    }
    return [...seen.values()];
  }

  async verifyPassword(login: string, password: string): Promise<JournalAccount | undefined> {
    const key = login.trim().toLowerCase();
    if (!key || !password) {
      await this.passwords.waste(password);
      return undefined;
    }
    const rows = await this.client.run('verifyPasswordLookup', [key], [...ACCOUNT_COLUMNS, ...PASSWORD_COLUMNS]);
    const account = rows.length === 1 ? this.toAccount('verifyPasswordLookup', rows[0]!) : undefined;
    const stored = account && this.parse('verifyPasswordLookup', passwordRowSchema, rows[0]!);
    if (!account || !stored?.password_hash) {
      if (rows.length > 1) this.log.warn({ journalId: this.journalId, adapter: 'sql', rows: rows.length }, 'verifyPasswordLookup returned several accounts for one login; refused');
      await this.passwords.waste(password);
      return undefined;
    }
    const outcome = await this.passwords.verify(
      { hash: stored.password_hash, salt: stored.password_salt, format: stored.password_format },
      password,
    );
    if (!outcome.ok && outcome.problem) {
      this.log.warn({ journalId: this.journalId, adapter: 'sql', accountId: account.accountId, problem: outcome.problem }, 'cannot check a stored password');
    }
    return outcome.ok ? account : undefined;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Runs an account query and maps its rows, leaving out accounts of roles the broker does not serve. */
  protected async accounts(operation: SqlOperation, values: readonly unknown[]): Promise<JournalAccount[]> {
    const rows = await this.client.run(operation, values, ACCOUNT_COLUMNS);
    const byId = new Map<string, JournalAccount>();
    for (const row of rows) {
      const account = this.toAccount(operation, row);
      if (account && !byId.has(account.accountId)) byId.set(account.accountId, account);
    }
    return [...byId.values()];
  }

  private toAccount(operation: SqlOperation, row: Row): JournalAccount | undefined {
    const parsed = this.parse(operation, accountRowSchema, row);
    const account = mapAccount(this.journalId, parsed, (value) => this.config.roleMap[value]);
    if (!account && !this.unmappedRoles.has(parsed.role)) {
      this.unmappedRoles.add(parsed.role);
      this.log.warn({ journalId: this.journalId, adapter: 'sql', role: parsed.role }, 'accounts with a role value missing from roleMap are ignored');
    }
    return account;
  }

  /** The row checked against `schema`; a mismatch names the columns, never their values. */
  private parse<S extends z.ZodType>(operation: SqlOperation, schema: S, row: Row): z.output<S> {
    const result = schema.safeParse(row);
    if (result.success) return result.data;
    const columns = [...new Set(result.error.issues.map((i) => String(i.path[0] ?? '?')))];
    throw new AdapterError('ERR_ADAPTER_CONFIG', `sql adapter: query ${operation} returned unexpected values in column(s) ${columns.join(', ')}`, {
      cause: { operation, columns, issues: result.error.issues.map((i) => ({ path: i.path.map(String), code: i.code })) },
      journalId: this.journalId,
    });
  }

  /** The journal's values for `role` (roleMap keys), as `text[]`. */
  private roleValues(role: Role): string[] {
    return Object.entries(this.config.roleMap)
      .filter(([, r]) => r === role)
      .map(([value]) => value);
  }
}

class SqlAdapterWithRelations extends SqlAdapter implements RelationsCapability {
  async parentsOf(pupilAccountId: string): Promise<JournalAccount[]> {
    if (!pupilAccountId.trim()) return [];
    return (await this.accounts('parentsOf', [pupilAccountId])).filter((a) => a.role === 'parent');
  }

  async childrenOf(parentAccountId: string): Promise<JournalAccount[]> {
    if (!parentAccountId.trim()) return [];
    return (await this.accounts('childrenOf', [parentAccountId])).filter((a) => a.role === 'pupil');
  }
}

/** The `sql` adapter kind. Relations exist when `queries.parentsOf` and `queries.childrenOf` are configured. */
export const sqlAdapter: AdapterDefinition<SqlAdapterConfig> = {
  configSchema: sqlConfigSchema,
  create(journalId, config, deps) {
    const client = new SqlClient(journalId, config, deps.log);
    const hasRelations = config.queries.parentsOf !== undefined && config.queries.childrenOf !== undefined;
    return hasRelations
      ? new SqlAdapterWithRelations(journalId, config, client, deps.log)
      : new SqlAdapter(journalId, config, client, deps.log);
  },
};
