/**
 * The journal adapter contract. The broker never knows a journal's internals: it asks an adapter.
 * A minimal base interface every adapter implements, plus optional capabilities (password check,
 * relations, writing the link back to the journal) checked with type guards — no fat interface with
 * stubs. Adapters import nothing from `broker/`: factories take `(config, deps)`.
 */
import type { Logger } from '../core/log.ts';
import type { Outbound } from '../core/outbound.ts';
import type { ZodType } from 'zod';

/** An account's role in the journal. */
export type Role = 'parent' | 'pupil' | 'staff';
export const ROLES: readonly Role[] = ['parent', 'pupil', 'staff'];

/** A school (educational institution) as the journal knows it. */
export interface Institution {
  readonly id: string;
  readonly name: string;
  readonly municipality?: string;
}

export interface FullName {
  readonly lastName: string;
  readonly firstName: string;
  /** Patronymic; absent for people who have none. */
  readonly middleName?: string;
}

/** One journal account, as the broker sees it. */
export interface JournalAccount {
  /** The journal this account belongs to (the adapter's journal id). */
  readonly journalId: string;
  /** The journal's own account id: what the broker's tokens name as `sub`. */
  readonly accountId: string;
  readonly role: Role;
  readonly institution: { readonly id: string; readonly name: string };
  readonly fullName: FullName;
  /** ISO `yyyy-MM-dd`; always for pupils, where known for others. */
  readonly birthDate?: string;
  /** SNILS as 11 digits, where the journal knows it. */
  readonly snils?: string;
  /** A pupil's class, e.g. `9А`. */
  readonly className?: string;
  /** A staff member's position. */
  readonly position?: string;
}

/** Lookup by full name and birth date (auto-linking where SNILS is unknown). */
export interface FullNameQuery extends FullName {
  /** ISO `yyyy-MM-dd`. */
  readonly birthDate: string;
  readonly role: Role;
}

/** What every adapter does. */
export interface JournalAdapter {
  /** The journal's id (from config). */
  readonly journalId: string;
  /** The adapter kind (`http`, `sql`, `roster`, …). */
  readonly kind: string;
  /** Accounts of `role` whose SNILS is `snils` (11 digits). */
  findBySnils(snils: string, role: Role): Promise<JournalAccount[]>;
  /** Accounts of `role` matching the full name (normalized, see `normalize.ts`) and birth date. */
  findByFullName(query: FullNameQuery): Promise<JournalAccount[]>;
  /** One account, or undefined when the journal has no such account. */
  getAccount(accountId: string): Promise<JournalAccount | undefined>;
  /** The journal's institutions. */
  listInstitutions(): Promise<Institution[]>;
  /** Releases connections, watchers and timers. */
  close(): Promise<void>;
}

/** Checks a school-issued login and password. */
export interface PasswordCapability {
  /**
   * The account when `login` and `password` are right; undefined for every kind of failure (unknown
   * login, wrong password, disabled account) so callers cannot tell them apart. Logins are compared
   * trimmed and case-insensitively (school-issued logins are not case-sensitive in the journals we
   * know); passwords exactly. Never logs passwords.
   */
  verifyPassword(login: string, password: string): Promise<JournalAccount | undefined>;
}

/** Parent–child relations the journal records. */
export interface RelationsCapability {
  /** A pupil's parents (empty for unknown accounts). */
  parentsOf(pupilAccountId: string): Promise<JournalAccount[]>;
  /** A parent's children (empty for unknown accounts). */
  childrenOf(parentAccountId: string): Promise<JournalAccount[]>;
}

/** What the broker tells a journal about a link. */
export interface LinkNotice {
  /** The ESIA person's oid. */
  readonly esiaOid: string;
  /** How the link was made: `auto`, `manual-password`, `journal-initiated`. */
  readonly method: string;
  /** ISO time. */
  readonly at: string;
}

/** Writing the ESIA link back into the journal. */
export interface LinkWriteBackCapability {
  recordLink(accountId: string, notice: LinkNotice): Promise<void>;
  removeLink(accountId: string): Promise<void>;
}

export function hasPasswordCheck<A extends JournalAdapter>(adapter: A): adapter is A & PasswordCapability {
  return typeof (adapter as Partial<PasswordCapability>).verifyPassword === 'function';
}

export function hasRelations<A extends JournalAdapter>(adapter: A): adapter is A & RelationsCapability {
  const a = adapter as Partial<RelationsCapability>;
  return typeof a.parentsOf === 'function' && typeof a.childrenOf === 'function';
}

export function hasLinkWriteBack<A extends JournalAdapter>(adapter: A): adapter is A & LinkWriteBackCapability {
  const a = adapter as Partial<LinkWriteBackCapability>;
  return typeof a.recordLink === 'function' && typeof a.removeLink === 'function';
}

/** What a factory receives besides its own config. */
export interface AdapterDeps {
  /** The outbound HTTP factory (timeouts, user agent). */
  readonly outbound: Outbound;
  readonly log: Logger;
  readonly clock: () => Date;
  /** Told the duration and result of every guarded journal call (metrics); optional. */
  readonly observer?: AdapterObserver;
}

/** One guarded journal call, as reported for metrics: no personal data, only names, codes and durations. */
export interface AdapterCallEvent {
  readonly journalId: string;
  /** The adapter method (`findBySnils`, `verifyPassword`, …). */
  readonly operation: string;
  readonly outcome: 'ok' | 'error';
  /** The AdapterError code (or `ERR_UNKNOWN`) when the call failed. */
  readonly code?: string;
  readonly seconds: number;
}

export interface AdapterObserver {
  call(event: AdapterCallEvent): void;
}

/** An adapter kind: its config schema and factory. */
export interface AdapterDefinition<C> {
  /** Parses this kind's `config` (unknown keys rejected). */
  readonly configSchema: ZodType<C>;
  create(journalId: string, config: C, deps: AdapterDeps): JournalAdapter | Promise<JournalAdapter>;
}
