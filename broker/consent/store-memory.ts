/** The in-memory consent store (development and tests): each change is one synchronous step. */
import { randomBytes } from 'node:crypto';
import { createMemoryAuditLog } from '../audit/log-memory.ts';
import { parseAuditEntry, type AuditLog } from '../audit/log.ts';
import { newestFirst, parseConsent, type ConsentEvent, type ConsentRecord, type ConsentStore } from './store.ts';

export function createMemoryConsentStore(options: { audit?: AuditLog } = {}): ConsentStore {
  const audit = options.audit ?? createMemoryAuditLog();
  const records = new Map<string, string>();
  const open = new Map<string, string>();
  const byPupil = new Map<string, Set<string>>();
  const byParent = new Map<string, Set<string>>();
  const byKid = new Map<string, Set<string>>();
  const add = (index: Map<string, Set<string>>, key: string, id: string) => {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(id);
  };
  const kidParents = new Map<string, Set<string>>();
  const queue: { id: string; event: ConsentEvent; json: string; takenBy?: string; takenAt?: number }[] = [];
  let sequence = 0;
  const enqueue = (event: ConsentEvent | undefined, record: ConsentRecord) => {
    if (event) queue.push({ id: String(++sequence), event, json: JSON.stringify(record) });
  };
  const entryOf = (e: (typeof queue)[number]) => ({ id: e.id, event: e.event, record: JSON.parse(e.json) as ConsentRecord });
  const secret = randomBytes(32);
  const read = (id: string) => {
    const json = records.get(id);
    return json ? (JSON.parse(json) as ConsentRecord) : undefined;
  };
  const readAll = (ids: Iterable<string> | undefined) => newestFirst([...(ids ?? [])].map(read).filter((r): r is ConsentRecord => !!r));

  return {
    async get(id) {
      return read(id);
    },
    async openOf(pupilOid) {
      const id = open.get(pupilOid);
      return id ? read(id) : undefined;
    },
    async historyOf(pupilOid) {
      return readAll(byPupil.get(pupilOid));
    },
    async forParent(parentOid) {
      return readAll(byParent.get(parentOid));
    },
    async open(input, entry, event) {
      const record = parseConsent(input);
      const valid = entry ? parseAuditEntry(entry) : undefined;
      const existing = open.get(record.pupilOid);
      if (existing) return { created: false, openId: existing };
      records.set(record.id, JSON.stringify(record));
      open.set(record.pupilOid, record.id);
      add(byPupil, record.pupilOid, record.id);
      for (const p of record.eligible) add(byParent, p.esiaOid, record.id);
      for (const k of record.kidKeys) add(byKid, k, record.id);
      enqueue(event, record);
      if (valid) await audit.append(valid);
      return { created: true, record };
    },
    async update(write) {
      const record = parseConsent(write.record);
      const valid = write.audit ? parseAuditEntry(write.audit) : undefined;
      const current = read(record.id);
      if (!current) return 'missing';
      if (current.version !== record.version - 1) return 'conflict';
      records.set(record.id, JSON.stringify(record));
      if (write.pointer === 'set') open.set(record.pupilOid, record.id);
      if (write.pointer === 'clear' && open.get(record.pupilOid) === record.id) open.delete(record.pupilOid);
      for (const p of write.newParents ?? []) add(byParent, p, record.id);
      enqueue(write.event, record);
      if (valid) await audit.append(valid);
      return 'ok';
    },
    async rememberKidParent(kidKeys, parentOid) {
      const ids = new Set<string>();
      for (const key of kidKeys) {
        add(kidParents, key, parentOid);
        for (const id of byKid.get(key) ?? []) ids.add(id);
      }
      return readAll(ids);
    },
    async kidParents(kidKey) {
      return [...(kidParents.get(kidKey) ?? [])].sort();
    },
    async matchingSecret() {
      return secret;
    },
    outbox: {
      async read(consumer, count) {
        const fresh = queue.filter((e) => !e.takenBy).slice(0, count);
        for (const e of fresh) Object.assign(e, { takenBy: consumer, takenAt: Date.now() });
        return fresh.map(entryOf);
      },
      async reclaim(consumer, minIdleMs, count) {
        const now = Date.now();
        const stale = queue.filter((e) => e.takenBy && now - e.takenAt! >= minIdleMs).slice(0, count);
        for (const e of stale) Object.assign(e, { takenBy: consumer, takenAt: now });
        return stale.map(entryOf);
      },
      async ack(id) {
        const at = queue.findIndex((e) => e.id === id);
        if (at >= 0) queue.splice(at, 1);
      },
    },
  };
}
