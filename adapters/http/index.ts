/**
 * The HTTP adapter: a journal that implements the REST contract in `openapi.json` (lookups, password
 * check, relations, link write-back). The journal applies the matching rules; the adapter checks its
 * answers again (role, SNILS, name and birth date), so a journal that matches too loosely can never
 * make the broker link the wrong person.
 */
import { AdapterError } from '../errors.ts';
import { isIsoDate, normalizeSnils, sameFullName } from '../normalize.ts';
import type { Logger } from '../../core/log.ts';
import type {
  AdapterDefinition,
  FullNameQuery,
  Institution,
  JournalAccount,
  JournalAdapter,
  LinkNotice,
  LinkWriteBackCapability,
  PasswordCapability,
  RelationsCapability,
  Role,
} from '../types.ts';
import { JournalApiClient, pathSegment, type ApiCall, type Operation } from './client.ts';
import { httpConfigSchema, type HttpAdapterConfig } from './config.ts';
import {
  accountListSchema,
  isAccountList,
  isAccountWire,
  accountWireSchema,
  institutionListSchema,
  passwordCheckSchema,
  toInstitution,
  toJournalAccount,
  type AccountWire,
} from './map.ts';

export type { HttpAdapterConfig, HttpAdapterConfigInput } from './config.ts';

class HttpJournalAdapter implements JournalAdapter, PasswordCapability, RelationsCapability, LinkWriteBackCapability {
  readonly kind = 'http';

  constructor(
    readonly journalId: string,
    private readonly api: JournalApiClient,
    private readonly log: Logger,
  ) {}

  async findBySnils(snils: string, role: Role): Promise<JournalAccount[]> {
    const digits = normalizeSnils(snils);
    if (!digits) return [];
    const found = await this.list({ operation: 'findAccounts', method: 'GET', path: '/accounts', query: new URLSearchParams({ snils: digits, role }) });
    return this.keepMatching('findAccounts', found, (a) => a.role === role && a.snils === digits);
  }

  async findByFullName(query: FullNameQuery): Promise<JournalAccount[]> {
    if (!isIsoDate(query.birthDate) || !query.lastName.trim() || !query.firstName.trim()) return [];
    const params = new URLSearchParams({ lastName: query.lastName, firstName: query.firstName });
    if (query.middleName?.trim()) params.set('middleName', query.middleName);
    params.set('birthDate', query.birthDate);
    params.set('role', query.role);
    const found = await this.list({ operation: 'findAccounts', method: 'GET', path: '/accounts', query: params });
    return this.keepMatching(
      'findAccounts',
      found,
      (a) => a.role === query.role && a.birthDate === query.birthDate && sameFullName(a.fullName, query),
    );
  }

  async getAccount(accountId: string): Promise<JournalAccount | undefined> {
    const segment = pathSegment(accountId);
    if (!segment) return undefined;
    const call: ApiCall = { operation: 'getAccount', method: 'GET', path: `/accounts/${segment}` };
    const answer = await this.api.json(call, accountWireSchema, { notFound: true, check: isAccountWire });
    if (!answer.found) return undefined;
    const account = this.toAccount('getAccount', answer.value);
    if (account.accountId !== accountId) {
      throw new AdapterError('ERR_ADAPTER_BAD_RESPONSE', `journal ${this.journalId}: getAccount answered another account`, {
        cause: { operation: 'getAccount' },
        journalId: this.journalId,
      });
    }
    return account;
  }

  async listInstitutions(): Promise<Institution[]> {
    const answer = await this.api.json({ operation: 'listInstitutions', method: 'GET', path: '/institutions' }, institutionListSchema);
    return answer.found ? answer.value.institutions.map(toInstitution) : [];
  }

  async verifyPassword(login: string, password: string): Promise<JournalAccount | undefined> {
    const trimmed = login.trim();
    if (!trimmed || !password) return undefined;
    const answer = await this.api.json(
      { operation: 'checkPassword', method: 'POST', path: '/password-checks', body: { login: trimmed, password }, secret: true },
      passwordCheckSchema,
    );
    if (!answer.found || answer.value.result !== 'valid') return undefined;
    return this.toAccount('checkPassword', answer.value.account);
  }

  parentsOf(pupilAccountId: string): Promise<JournalAccount[]> {
    return this.relatives('listParents', pupilAccountId, 'parents');
  }

  childrenOf(parentAccountId: string): Promise<JournalAccount[]> {
    return this.relatives('listChildren', parentAccountId, 'children');
  }

  async recordLink(accountId: string, notice: LinkNotice): Promise<void> {
    const call = this.linkCall('putEsiaLink', 'PUT', accountId, { esiaOid: notice.esiaOid, method: notice.method, at: notice.at });
    if (!(await this.api.noContent(call, { notFound: true }))) {
      throw new AdapterError('ERR_ADAPTER_BAD_RESPONSE', `journal ${this.journalId}: putEsiaLink: no such account`, {
        cause: { operation: 'putEsiaLink', status: 404 },
        journalId: this.journalId,
      });
    }
  }

  async removeLink(accountId: string): Promise<void> {
    // Idempotent: an account the journal does not have (or could not have) has no link either.
    if (!pathSegment(accountId)) return;
    await this.api.noContent(this.linkCall('deleteEsiaLink', 'DELETE', accountId), { notFound: true });
  }

  async close(): Promise<void> {
    this.api.close();
  }

  private async relatives(operation: Operation, accountId: string, tail: 'parents' | 'children'): Promise<JournalAccount[]> {
    const segment = pathSegment(accountId);
    if (!segment) return [];
    const answer = await this.api.json({ operation, method: 'GET', path: `/accounts/${segment}/${tail}` }, accountListSchema, { notFound: true, check: isAccountList });
    if (!answer.found) return [];
    const wantedRole: Role = tail === 'parents' ? 'parent' : 'pupil';
    return this.keepMatching(operation, answer.value.accounts.map((a) => this.toAccount(operation, a)), (a) => a.role === wantedRole);
  }

  private linkCall(operation: Operation, method: 'PUT' | 'DELETE', accountId: string, body?: unknown): ApiCall {
    const segment = pathSegment(accountId);
    if (!segment) throw new TypeError('not a journal account id (empty, "." or "..", or longer than 256 characters)');
    return { operation, method, path: `/accounts/${segment}/esia-link`, body };
  }

  private async list(call: ApiCall): Promise<JournalAccount[]> {
    const answer = await this.api.json(call, accountListSchema, { check: isAccountList });
    return answer.found ? answer.value.accounts.map((a) => this.toAccount(call.operation, a)) : [];
  }

  private toAccount(operation: Operation, wire: AccountWire): JournalAccount {
    const { account, snilsDropped } = toJournalAccount(this.journalId, wire);
    if (snilsDropped) this.log.warn({ journalId: this.journalId, operation, accountId: account.accountId }, 'journal sent a SNILS with wrong check digits; ignored');
    return account;
  }

  private keepMatching(operation: Operation, accounts: JournalAccount[], matches: (a: JournalAccount) => boolean): JournalAccount[] {
    const kept = accounts.filter(matches);
    if (kept.length !== accounts.length) {
      this.log.warn({ journalId: this.journalId, operation, ignored: accounts.length - kept.length }, 'journal answered accounts that do not match the query; ignored');
    }
    return kept;
  }
}

/** The `http` adapter kind. */
export const httpAdapter: AdapterDefinition<HttpAdapterConfig> = {
  configSchema: httpConfigSchema,
  async create(journalId, config, deps) {
    return new HttpJournalAdapter(journalId, await JournalApiClient.create(journalId, config, deps), deps.log);
  },
};
