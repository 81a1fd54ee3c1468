/**
 * Parental consent, the domain: which login needs it, opening (or finding) the pupil's request and
 * working out the eligible parents, a parent's approval or refusal, revocation, expiry, and matching
 * parents through their ESIA children list. Free of Koa; the cabinet and the login call it.
 *
 * Eligible parents are people who are verifiably this pupil's parent:
 * - `journal_relation`: a parent account the journal relates to one of the pupil's linked accounts,
 *   itself linked to an ESIA person;
 * - `esia_children`: a person whose ESIA children list (read at their cabinet login) holds the pupil,
 *   matched by SNILS, else by full name and birth date, through keyed hashes (no names stored).
 * One decision by any eligible parent settles a pending request.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { hasRelations, type JournalAdapter } from '../../adapters/types.ts';
import type { ConsentConfig } from '../../config/broker.ts';
import type { Logger } from '../../core/log.ts';
import type { AuditActor, AuditEntry } from '../audit/log.ts';
import type { AccountLevel } from '../esia/person.ts';
import type { LinkStore } from '../links/store.ts';
import { meetsLevel } from '../login/policy.ts';
import { CLOSED_STATES, type AccountRef, type ConsentEvent, type ConsentRecord, type ConsentStore, type EligibleParent, type ParentEvidence } from './store.ts';


export interface ConsentDeps {
  store: ConsentStore;
  links: LinkStore;
  adapters: ReadonlyMap<string, JournalAdapter>;
  config: ConsentConfig;
  policyVersion: string;
  clock: () => Date;
  log: Logger;
  /** Ends the sessions of a journal account (snapshot, back channel), as unlinking does. */
  endSessions(journalId: string, accountId: string): Promise<void>;
  /** Counts a request reaching a state (metrics). */
  counted?(state: ConsentRecord['state']): void;
}

/** The facts about a person used for matching against ESIA children lists. */
export interface KidFacts {
  snils?: string;
  lastName?: string;
  firstName?: string;
  middleName?: string;
  /** ISO `yyyy-MM-dd`. */
  birthDate?: string;
}

const ATTEMPTS = 8;

/** Keyed hashes of a person's SNILS and of name + birth date: equal for the same facts, useless without the secret. */
export function kidKeysOf(secret: Buffer, facts: KidFacts): string[] {
  const keys: string[] = [];
  const mac = (text: string) => createHmac('sha256', secret).update(text).digest('base64url');
  const digits = facts.snils?.replace(/\D/g, '');
  if (digits && digits.length === 11) keys.push(`snils:${mac(`snils|${digits}`)}`);
  const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
  if (facts.lastName && facts.firstName && facts.birthDate) {
    keys.push(`name:${mac(`name|${norm(facts.lastName)}|${norm(facts.firstName)}|${norm(facts.middleName)}|${facts.birthDate}`)}`);
  }
  return keys;
}

/** A login's ESIA scopes plus those that read the person's children list, where consent uses that list. */
export function withChildrenScopes(scopes: readonly string[], config: ConsentConfig): readonly string[] {
  return config.esiaChildren ? [...new Set([...scopes, ...config.esiaChildrenScopes])] : scopes;
}

/** The kid keys of a person with the store's secret (computed at ESIA login, where SNILS is at hand). */
export async function kidKeysFor(deps: Pick<ConsentDeps, 'store'>, facts: KidFacts): Promise<string[]> {
  return kidKeysOf(await deps.store.matchingSecret(), facts);
}

/**
 * The keys to match a record against a parent's child: SNILS decides when both sides have it (two
 * different SNILS are two people, whatever the names); else name + birth date.
 */
export function kidMatches(recordKeys: readonly string[], childKeys: readonly string[]): boolean {
  const snilsOf = (keys: readonly string[]) => keys.find((k) => k.startsWith('snils:'));
  const a = snilsOf(recordKeys);
  const b = snilsOf(childKeys);
  if (a && b) return a === b;
  const nameOf = (keys: readonly string[]) => keys.find((k) => k.startsWith('name:'));
  const n = nameOf(recordKeys);
  return n !== undefined && n === nameOf(childKeys);
}

function entry(record: ConsentRecord, action: AuditEntry['action'], actor: AuditActor, at: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  const account = record.pupilAccounts[0];
  return {
    at,
    action,
    outcome: 'ok',
    actor,
    esiaOid: record.pupilOid,
    ...(account ? { journalId: account.journalId, accountId: account.accountId } : {}),
    ...extra,
  };
}

/** The event to queue with a change: only when a webhook will deliver it (else the queue would only grow). */
const announce = (deps: ConsentDeps, event: ConsentEvent): ConsentEvent | undefined => (deps.config.webhookUrl ? event : undefined);

const policyCode = (version: string) => `policy:${version.toLowerCase()}`;

/** The parents the journal relates to the pupil's accounts and who are linked to ESIA. */
async function journalParents(deps: ConsentDeps, pupilOid: string, pupilAccounts: readonly AccountRef[]): Promise<EligibleParent[]> {
  const byOid = new Map<string, AccountRef[]>();
  for (const account of pupilAccounts) {
    const adapter = deps.adapters.get(account.journalId);
    if (!adapter || !hasRelations(adapter)) continue;
    for (const parent of await adapter.parentsOf(account.accountId)) {
      const oid = await deps.links.personOf(parent.journalId, parent.accountId);
      if (!oid || oid === pupilOid) continue;
      const list = byOid.get(oid) ?? [];
      list.push({ journalId: parent.journalId, accountId: parent.accountId });
      byOid.set(oid, list);
    }
  }
  return [...byOid].map(([esiaOid, accounts]) => ({ esiaOid, evidence: 'journal_relation' as const, accounts }));
}

async function eligibleParents(deps: ConsentDeps, pupilOid: string, pupilAccounts: readonly AccountRef[], kidKeys: readonly string[]): Promise<EligibleParent[]> {
  const parents = await journalParents(deps, pupilOid, pupilAccounts);
  if (deps.config.esiaChildren) {
    const seen = new Set(parents.map((p) => p.esiaOid));
    for (const key of kidKeys) {
      for (const oid of await deps.store.kidParents(key)) {
        if (seen.has(oid) || oid === pupilOid) continue;
        seen.add(oid);
        parents.push({ esiaOid: oid, evidence: 'esia_children' });
      }
    }
  }
  return parents;
}

/** Closes a pending request past its time; true when it is (now) expired. */
async function expireIfDue(deps: ConsentDeps, record: ConsentRecord): Promise<boolean> {
  if (record.state !== 'pending' || Date.parse(record.expiresAt) > deps.clock().getTime()) return record.state === 'expired';
  const at = deps.clock().toISOString();
  const next: ConsentRecord = { ...record, version: record.version + 1, state: 'expired', expiredAt: at };
  const result = await deps.store.update({
    record: next,
    pointer: 'clear',
    audit: entry(record, 'consent_expired', { kind: 'system', id: 'broker' }, at),
    event: announce(deps, 'consent.expired'),
  });
  if (result === 'ok') deps.counted?.('expired');
  return true;
}

export type LoginConsent = { state: 'granted'; record: ConsentRecord } | { state: 'pending'; record: ConsentRecord };

/**
 * For a pupil aged 14–17 logging in with their own ESIA account: the open consent if granted, else the
 * pending request (created now, with its eligible parents notified, or the one already open).
 */
export async function consentForLogin(
  deps: ConsentDeps,
  pupil: { oid: string; kidKeys: readonly string[] },
  pupilAccounts: readonly AccountRef[],
): Promise<LoginConsent> {
  const kidKeys = [...pupil.kidKeys];
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const open = await deps.store.openOf(pupil.oid);
    if (open && !(await expireIfDue(deps, open))) {
      if (open.state === 'granted') return { state: 'granted', record: open };
      return { state: 'pending', record: await refreshEligibility(deps, open, pupilAccounts) };
    }
    if (open) continue;
    const now = deps.clock();
    const accounts = pupilAccounts.map((a) => ({ journalId: a.journalId, accountId: a.accountId }));
    const record: ConsentRecord = {
      id: randomBytes(18).toString('base64url'),
      version: 1,
      pupilOid: pupil.oid,
      pupilAccounts: accounts,
      state: 'pending',
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + deps.config.requestTtlDays * 86_400_000).toISOString(),
      eligible: await eligibleParents(deps, pupil.oid, accounts, kidKeys),
      kidKeys,
    };
    const opened = await deps.store.open(record, entry(record, 'consent_requested', { kind: 'person', id: pupil.oid }, record.requestedAt), announce(deps, 'consent.requested'));
    if (opened.created) {
      deps.counted?.('pending');
      return { state: 'pending', record };
    }
  }
  throw new Error('the consent request kept changing');
}

/** Adds parents who became eligible since the request was made (a parent linked meanwhile). */
async function refreshEligibility(deps: ConsentDeps, record: ConsentRecord, pupilAccounts: readonly AccountRef[]): Promise<ConsentRecord> {
  const known = new Set(record.eligible.map((p) => p.esiaOid));
  const accounts = [...record.pupilAccounts];
  for (const a of pupilAccounts) {
    if (!accounts.some((b) => b.journalId === a.journalId && b.accountId === a.accountId)) accounts.push({ journalId: a.journalId, accountId: a.accountId });
  }
  const fresh = (await eligibleParents(deps, record.pupilOid, accounts, record.kidKeys)).filter((p) => !known.has(p.esiaOid));
  if (!fresh.length) return record;
  const next: ConsentRecord = { ...record, version: record.version + 1, pupilAccounts: accounts, eligible: [...record.eligible, ...fresh] };
  const result = await deps.store.update({ record: next, pointer: 'keep', newParents: fresh.map((p) => p.esiaOid), event: announce(deps, 'consent.requested') });
  if (result === 'ok') return next;
  return (await deps.store.get(record.id)) ?? record;
}

/**
 * A parent logged in to the cabinet with their ESIA children list: remembers the parent for each child
 * (so later requests find them) and joins the pending requests of those children.
 */
export async function rememberEsiaChildren(deps: ConsentDeps, parentOid: string, children: readonly KidFacts[]): Promise<void> {
  if (!deps.config.esiaChildren) return;
  const secret = await deps.store.matchingSecret();
  const keysOf = children.map((child) => kidKeysOf(secret, child));
  // Remembered for all children at once (one round trip to the store), then joined one by one.
  const found = await Promise.all(keysOf.map((keys) => deps.store.rememberKidParent(keys, parentOid)));
  for (const [i, candidates] of found.entries()) {
    for (const candidate of candidates) {
      if (candidate.state !== 'pending' || candidate.pupilOid === parentOid || !kidMatches(candidate.kidKeys, keysOf[i]!)) continue;
      await addEligible(deps, candidate.id, { esiaOid: parentOid, evidence: 'esia_children' });
    }
  }
}

async function addEligible(deps: ConsentDeps, id: string, parent: EligibleParent): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = await deps.store.get(id);
    if (!record || record.state !== 'pending' || record.eligible.some((p) => p.esiaOid === parent.esiaOid)) return;
    const next: ConsentRecord = { ...record, version: record.version + 1, eligible: [...record.eligible, parent] };
    if ((await deps.store.update({ record: next, pointer: 'keep', newParents: [parent.esiaOid] })) !== 'conflict') return;
  }
}

export type DecisionResult =
  | { ok: true; record: ConsentRecord }
  /** Not this parent's request (or no such request): the same answer, so nothing leaks. */
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'level_too_low' }
  /** Already decided (or revoked, or expired): the current record. */
  | { ok: false; reason: 'closed'; record: ConsentRecord };

/** The evidence that makes `parentOid` eligible for the record, if any. */
export function eligibilityOf(record: ConsentRecord, parentOid: string): ParentEvidence | undefined {
  return record.eligible.find((p) => p.esiaOid === parentOid)?.evidence;
}

/** A parent approves or declines a pending request. Exactly one decision wins; the rest see it. */
export async function decide(
  deps: ConsentDeps,
  id: string,
  parent: { oid: string; level: AccountLevel },
  outcome: 'granted' | 'declined',
): Promise<DecisionResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = await deps.store.get(id);
    const evidence = record && eligibilityOf(record, parent.oid);
    if (!record || !evidence) return { ok: false, reason: 'not_found' };
    if (!meetsLevel(parent.level, deps.config.cabinetMinLevel)) return { ok: false, reason: 'level_too_low' };
    if (record.state !== 'pending' || (await expireIfDue(deps, record))) {
      return { ok: false, reason: 'closed', record: (await deps.store.get(id)) ?? record };
    }
    const at = deps.clock().toISOString();
    const next: ConsentRecord = {
      ...record,
      version: record.version + 1,
      state: outcome,
      decision: { outcome, parentOid: parent.oid, evidence, parentLevel: parent.level, at, policyVersion: deps.policyVersion },
    };
    const result = await deps.store.update({
      record: next,
      pointer: outcome === 'granted' ? 'keep' : 'clear',
      audit: entry(record, outcome === 'granted' ? 'consent_granted' : 'consent_refused', { kind: 'person', id: parent.oid }, at, {
        method: 'cabinet',
        evidence: [evidence],
        reason: policyCode(deps.policyVersion),
      }),
      event: announce(deps, outcome === 'granted' ? 'consent.granted' : 'consent.declined'),
    });
    if (result === 'ok') {
      deps.counted?.(outcome);
      return { ok: true, record: next };
    }
    if (result === 'missing') return { ok: false, reason: 'not_found' };
  }
  throw new Error('the consent kept changing');
}

export type RevokeResult = { ok: true; record: ConsentRecord } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'closed'; record: ConsentRecord };

/**
 * Revokes a granted consent (or withdraws a pending request): the pupil's next ESIA login asks again,
 * and the pupil's current sessions end. `mayRevoke` checks the caller (an eligible parent, an admin).
 */
export async function revoke(
  deps: ConsentDeps,
  id: string,
  by: AuditActor,
  mayRevoke: (record: ConsentRecord) => boolean,
  reason?: string,
): Promise<RevokeResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = await deps.store.get(id);
    if (!record || !mayRevoke(record)) return { ok: false, reason: 'not_found' };
    if (CLOSED_STATES.includes(record.state) || record.state === 'declined') return { ok: false, reason: 'closed', record };
    const at = deps.clock().toISOString();
    const next: ConsentRecord = { ...record, version: record.version + 1, state: 'revoked', revocation: { at, by, ...(reason ? { reason } : {}) } };
    const parentEvidence = by.kind === 'person' ? eligibilityOf(record, by.id) : undefined;
    const result = await deps.store.update({
      record: next,
      pointer: 'clear',
      audit: entry(record, 'consent_revoked', by, at, { ...(parentEvidence ? { evidence: [parentEvidence] } : {}), ...(reason ? { reason } : {}) }),
      event: announce(deps, 'consent.revoked'),
    });
    if (result === 'ok') {
      deps.counted?.('revoked');
      for (const account of record.pupilAccounts) await deps.endSessions(account.journalId, account.accountId);
      return { ok: true, record: next };
    }
    if (result === 'missing') return { ok: false, reason: 'not_found' };
  }
  throw new Error('the consent kept changing');
}
