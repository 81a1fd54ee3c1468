/**
 * The Redis consent store. Keys (under the connection's prefix), no TTLs (consents are records), all
 * with the `{records}` hash tag the audit log's keys share, so one script writes a change and its
 * audit entry in one Cluster slot:
 * - `{records}:consent:<id>` → the record's JSON;
 * - `{records}:consent:open:<pupil oid>` → the id of the pupil's open record (pending or granted);
 * - `{records}:consent:pupil:<oid>`, `…:parent:<oid>`, `…:kid:<kid key>` → sets of record ids.
 * WRITE creates (only if the pupil has no open record) or compare-and-sets (on `version`) a record,
 * moves the open pointer, adds index members and appends the audit entry, all in one script.
 */
import { APPEND_LUA, auditWrite } from '../audit/log-redis.ts';
import { randomBytes } from 'node:crypto';
import { fromJson, StoreError } from '../store/errors.ts';
import { callRedis } from '../store/redis.ts';
import { defineScript, type RedisClient } from '../store/redis-script.ts';
import { newestFirst, parseConsent, type ConsentEvent, type ConsentOutbox, type ConsentRecord, type ConsentStore, type ConsentWrite, type OutboxEntry } from './store.ts';
import type { AuditEntry } from '../audit/log.ts';

const recordKey = (id: string) => `{records}:consent:${id}`;
const openKey = (oid: string) => `{records}:consent:open:${oid}`;
const pupilKey = (oid: string) => `{records}:consent:pupil:${oid}`;
const parentKey = (oid: string) => `{records}:consent:parent:${oid}`;
const kidKey = (key: string) => `{records}:consent:kid:${key}`;
const kidParentsKey = (key: string) => `{records}:consent:kid-parents:${key}`;
const SECRET_KEY = '{records}:consent:matching-secret';
const OUTBOX_KEY = '{records}:consent:outbox';
const GROUP = 'webhook';

/**
 * KEYS: record, open pointer, outbox, n index sets, [audit log, audit indexes…]. ARGV: mode
 * (create|update), expected version, JSON, pointer (set|clear|keep), id, n, audit JSON ('' for none),
 * audit time (15 digits), event name ('' for none).
 */
const WRITE = defineScript(`${APPEND_LUA}
local mode, expected, json, pointer, id, n = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if mode == 'create' then
  local current = redis.call('GET', KEYS[2])
  if current then return {'exists', current} end
else
  local stored = redis.call('GET', KEYS[1])
  if not stored then return {'missing'} end
  if tostring(cjson.decode(stored).version) ~= expected then return {'conflict'} end
end
redis.call('SET', KEYS[1], json)
if pointer == 'set' then
  redis.call('SET', KEYS[2], id)
elseif pointer == 'clear' and redis.call('GET', KEYS[2]) == id then
  redis.call('DEL', KEYS[2])
end
for i = 4, 3 + n do redis.call('SADD', KEYS[i], id) end
if ARGV[9] ~= '' then redis.call('XADD', KEYS[3], '*', 'event', ARGV[9], 'record', json) end
if ARGV[7] ~= '' then append_audit(KEYS[4 + n], ARGV[7], ARGV[8], 5 + n, #KEYS) end
return {'ok'}
`);

/**
 * KEYS: outbox. ARGV: group. Creates the consumer group (and the stream) unless it exists. A script,
 * so the connection's key prefix applies (ioredis does not prefix XGROUP's key).
 */
/**
 * Remembers a parent for a child's kid keys and returns the ids of the records filed under them:
 * KEYS are the kid-parents sets, then the kid sets, of the same keys; ARGV[1] the parent's oid.
 */
const REMEMBER_KID_PARENT = defineScript(`
local half = #KEYS / 2
local seen, ids = {}, {}
for i = 1, half do
  redis.call('SADD', KEYS[i], ARGV[1])
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[half + i])) do
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
end
return ids
`);

const CREATE_GROUP = defineScript(`
local reply = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(reply) == 'table' and reply.err and not string.find(reply.err, 'BUSYGROUP') then return redis.error_reply(reply.err) end
return 1
`);

export function createRedisConsentStore(redis: RedisClient): ConsentStore {
  let secret: Buffer | undefined;
  const guard = <T>(operation: string, pending: Promise<T>) => callRedis(redis, operation, pending);

  const readMany = async (operation: string, setKey: string): Promise<ConsentRecord[]> => {
    const ids = await guard(operation, redis.smembers(setKey));
    if (!ids.length) return [];
    const values = await guard(operation, redis.mget(...ids.map(recordKey)));
    return newestFirst(values.filter((v): v is string => v !== null).map((v) => fromJson(v) as ConsentRecord));
  };

  const write = async (
    mode: 'create' | 'update',
    record: ConsentRecord,
    pointer: ConsentWrite['pointer'],
    sets: string[],
    audit?: AuditEntry,
    event?: ConsentEvent,
  ) => {
    const keys = [recordKey(record.id), openKey(record.pupilOid), OUTBOX_KEY, ...sets];
    const args: (string | number)[] = [mode, String(record.version - 1), JSON.stringify(record), pointer, record.id, sets.length, '', '', event ?? ''];
    if (audit) {
      const w = auditWrite(audit);
      keys.push(...w.keys);
      args[6] = w.json;
      args[7] = w.atPad;
    }
    return (await guard(`consent ${mode}`, WRITE(redis, keys, args))) as string[];
  };

  let groupReady: Promise<unknown> | undefined;
  const ensureGroup = () =>
    (groupReady ??= guard('consent outbox', CREATE_GROUP(redis, [OUTBOX_KEY], [GROUP])).catch((err: unknown) => {
      groupReady = undefined;
      throw err;
    }));
  const entriesOf = (rows: unknown): OutboxEntry[] =>
    ((rows ?? []) as [string, string[] | null][])
      .filter(([, fields]) => fields !== null)
      .map(([id, fields]) => {
        const map = new Map<string, string>();
        for (let i = 0; i < fields!.length; i += 2) map.set(fields![i]!, fields![i + 1]!);
        return { id, event: map.get('event') as ConsentEvent, record: fromJson(map.get('record')!) as ConsentRecord };
      });
  const outbox: ConsentOutbox = {
    async read(consumer, count) {
      await ensureGroup();
      const reply = (await guard('consent outbox', redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', OUTBOX_KEY, '>'))) as
        | [string, unknown][]
        | null;
      return reply ? entriesOf(reply[0]![1]) : [];
    },
    async reclaim(consumer, minIdleMs, count) {
      await ensureGroup();
      const reply = (await guard('consent outbox', redis.xautoclaim(OUTBOX_KEY, GROUP, consumer, minIdleMs, '0-0', 'COUNT', count))) as unknown[];
      return entriesOf(reply[1]);
    },
    async ack(id) {
      await guard('consent outbox', redis.multi().xack(OUTBOX_KEY, GROUP, id).xdel(OUTBOX_KEY, id).exec());
    },
  };

  return {
    outbox,
    async get(id) {
      const json = await guard('consent get', redis.get(recordKey(id)));
      return json === null ? undefined : (fromJson(json) as ConsentRecord);
    },
    async openOf(pupilOid) {
      const id = await guard('consent openOf', redis.get(openKey(pupilOid)));
      if (id === null) return undefined;
      const json = await guard('consent openOf', redis.get(recordKey(id)));
      return json === null ? undefined : (fromJson(json) as ConsentRecord);
    },
    historyOf: (pupilOid) => readMany('consent history', pupilKey(pupilOid)),
    forParent: (parentOid) => readMany('consent forParent', parentKey(parentOid)),
    async open(input, audit, event) {
      const record = parseConsent(input);
      const sets = [pupilKey(record.pupilOid), ...record.eligible.map((p) => parentKey(p.esiaOid)), ...record.kidKeys.map(kidKey)];
      const [status, openId] = await write('create', record, 'set', sets, audit, event);
      return status === 'exists' ? { created: false, openId: openId! } : { created: true, record };
    },
    async update(w) {
      const record = parseConsent(w.record);
      const [status] = await write('update', record, w.pointer, (w.newParents ?? []).map(parentKey), w.audit, w.event);
      return status as 'ok' | 'conflict' | 'missing';
    },
    async rememberKidParent(keys, parentOid) {
      if (!keys.length) return [];
      const ids = (await guard(
        'consent rememberKidParent',
        REMEMBER_KID_PARENT(redis, [...keys.map(kidParentsKey), ...keys.map(kidKey)], [parentOid]),
      )) as string[];
      if (!ids.length) return [];
      const values = await guard('consent rememberKidParent', redis.mget(...ids.map(recordKey)));
      return newestFirst(values.filter((v): v is string => v !== null).map((v) => fromJson(v) as ConsentRecord));
    },
    async kidParents(key) {
      return (await guard('consent kidParents', redis.smembers(kidParentsKey(key)))).sort();
    },
    async matchingSecret() {
      if (!secret) {
        await guard('consent secret', redis.set(SECRET_KEY, randomBytes(32).toString('base64url'), 'NX'));
        const stored = await guard('consent secret', redis.get(SECRET_KEY));
        if (!stored) throw new StoreError('ERR_STORE_UNAVAILABLE', 'the matching secret is missing', { cause: { key: 'matching-secret' } });
        secret = Buffer.from(stored, 'base64url');
      }
      return secret;
    },
  };
}
