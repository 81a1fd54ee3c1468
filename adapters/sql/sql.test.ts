/**
 * The SQL adapter against a real PostgreSQL (127.0.0.1:5432, user postgres): fresh databases with
 * random names, seeded from the personas by `fixture/seed.ts` and dropped afterwards. The conformance
 * suite, then what is particular to reading a journal's own database: mixed legacy password formats,
 * read-only enforcement, time limits, a dead server, broken queries and hostile input.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.ts';
import type { Logger } from '../../core/log.ts';
import { buildJournalSeed, type JournalSeed, type SeedAccount } from '../../fixtures/journal-seed.ts';
import { CONFORMANCE_ANCHOR, describeJournalAdapterConformance } from '../../test/conformance/journal-adapter.ts';
import { AdapterError } from '../errors.ts';
import { hasLinkWriteBack, hasPasswordCheck, hasRelations, type AdapterDeps, type JournalAdapter, type PasswordCapability, type RelationsCapability } from '../types.ts';
import { sqlConfigSchema } from './config.ts';
import { fixtureAdapterConfig, fixtureQueries } from './fixture/queries.ts';
import { createScratchDatabase, FIXTURE_PASSWORD_FORMATS, seedJournalDatabase, type FixturePasswordFormat, type ScratchDatabase } from './fixture/seed.ts';
import { sqlAdapter } from './index.ts';

type FullAdapter = JournalAdapter & PasswordCapability & RelationsCapability;

function recordingLogger() {
  const entries: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void entries.push({ level, obj, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, entries };
}

const recorded = recordingLogger();
const deps: AdapterDeps = {
  outbound: () => Promise.reject(new Error('the sql adapter makes no HTTP calls')),
  log: recorded.log,
  clock: () => new Date(),
};

async function openAdapter(connectionString: string, change: (config: ReturnType<typeof fixtureAdapterConfig>) => object = (c) => c) {
  const config = sqlConfigSchema.parse(change(fixtureAdapterConfig(connectionString)));
  return (await sqlAdapter.create('demo-journal', config, deps)) as FullAdapter;
}

/** The adapter's call's error (fails the test when it succeeds). */
async function failure(call: Promise<unknown>): Promise<AdapterError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AdapterError);
  return err as AdapterError;
}

/** Everything an error could show: message, stack and cause. */
const everythingIn = (err: AdapterError) => `${err.message}\n${err.stack}\n${JSON.stringify(err.cause)}\n${String(err.cause)}`;

describeJournalAdapterConformance({
  name: 'sql (PostgreSQL, mixed legacy password formats)',
  capabilities: { password: true, relations: true, writeBack: false },
  async setup(seed) {
    const db = await createScratchDatabase();
    await seedJournalDatabase(db.connectionString, seed);
    return { adapter: await openAdapter(db.connectionString), teardown: () => db.drop() };
  },
});

describe('sql adapter', () => {
  const base = buildJournalSeed(CONFORMANCE_ANCHOR);
  /** A pupil whose surname the school typed with е for ё. */
  const fyodorov: SeedAccount = {
    ...base.accounts.find((a) => a.accountId === 's-2005')!,
    accountId: 's-2099',
    lastName: 'Фёдоров',
    firstName: 'Семён',
    middleName: 'Артёмович',
    snils: undefined,
    login: 'fedorov.s',
    password: 'uchenik-2099',
    parents: [],
    personaKey: 'extra',
  };
  const seed: JournalSeed = { ...base, accounts: [...base.accounts, fyodorov] };
  const quirks = { 's-2099': ['yo-as-ye'], 'p-1004': ['upper-case'], 'p-1007': ['padded'] } as const;
  let db: ScratchDatabase;
  let admin: pg.Client;
  let adapter: FullAdapter;
  let formats: ReadonlyMap<string, FixturePasswordFormat>;
  const opened: JournalAdapter[] = [];
  const open = async (...args: Parameters<typeof openAdapter>) => {
    const a = await openAdapter(...args);
    opened.push(a);
    return a;
  };
  const countRows = async () => Number((await admin.query('SELECT count(*) AS n FROM polzovateli')).rows[0].n);

  beforeAll(async () => {
    db = await createScratchDatabase();
    ({ formats } = await seedJournalDatabase(db.connectionString, seed, { quirks, disabled: ['p-1008'] }));
    admin = new pg.Client({ connectionString: db.connectionString });
    await admin.connect();
    await admin.query(
      `INSERT INTO polzovateli (id, shkola, rol, familiya, imya, otchestvo, data_rozhdeniya, login, parol_hash)
       VALUES ('a-1', 'school-1', 'Администратор', 'Админов', 'Админ', NULL, NULL, 'admin', 'd41d8cd98f00b204e9800998ecf8427e')`,
    );
    adapter = await open(db.connectionString);
  });

  afterAll(async () => {
    for (const a of opened) await a.close();
    await admin?.end();
    await db?.drop();
  });

  describe('passwords in every stored format', () => {
    it('seeds every format', () => {
      expect(new Set(formats.values())).toEqual(new Set(FIXTURE_PASSWORD_FORMATS));
    });

    it.each(FIXTURE_PASSWORD_FORMATS)('%s: right, wrong and unknown login', async (format) => {
      const account = seed.accounts.find((a) => formats.get(a.accountId) === format && a.accountId !== 'p-1008')!;
      const { rows } = await admin.query('SELECT parol_hash, parol_algoritm FROM polzovateli WHERE id = $1', [account.accountId]);
      const stored = rows[0].parol_hash as string;
      const shape: Record<FixturePasswordFormat, RegExp> = {
        'bcrypt-2a': /^\$2a\$/,
        'bcrypt-2b': /^\$2b\$/,
        'bcrypt-2y': /^\$2y\$/,
        'pbkdf2-django': /^pbkdf2_sha256\$/,
        'pbkdf2-passlib': /^\$pbkdf2-sha256\$/,
        'pbkdf2-bare': /^[0-9a-f]{64}$/,
        'salted-sha1-hex': /^[0-9a-f]{40}$/,
        'salted-md5-hex': /^[0-9A-F]{32}$/,
        'salted-sha256-base64': /^[A-Za-z0-9+/]{43}=$/,
      };
      expect(stored).toMatch(shape[format]);
      expect((await adapter.verifyPassword(account.login, account.password))?.accountId).toBe(account.accountId);
      expect((await adapter.verifyPassword(account.login.toUpperCase(), account.password))?.accountId).toBe(account.accountId);
      expect(await adapter.verifyPassword(account.login, `${account.password}x`)).toBeUndefined();
      expect(await adapter.verifyPassword(account.login, account.password.toUpperCase())).toBeUndefined();
      expect(await adapter.verifyPassword(`${account.login}.unknown`, account.password)).toBeUndefined();
    });

    it('refuses disabled accounts, roles the broker does not serve, and empty input', async () => {
      const disabled = seed.accounts.find((a) => a.accountId === 'p-1008')!;
      expect(await adapter.verifyPassword(disabled.login, disabled.password)).toBeUndefined();
      expect(await adapter.getAccount('p-1008')).toBeUndefined();
      // The administrator's stored value is MD5 of the empty string; the role is not in roleMap anyway.
      expect(await adapter.verifyPassword('admin', '')).toBeUndefined();
      expect(await adapter.getAccount('a-1')).toBeUndefined();
      expect(recorded.entries.some((e) => e.obj.role === 'Администратор')).toBe(true);
      expect(await adapter.verifyPassword('', 'x')).toBeUndefined();
      expect(await adapter.verifyPassword('   ', '')).toBeUndefined();
    });

    it('refuses a lookup that returns several accounts for one login', async () => {
      const loose = await open(db.connectionString, (c) => ({
        ...c,
        queries: { ...c.queries, verifyPasswordLookup: c.queries.verifyPasswordLookup.replace('lower(p.login) = $1', "lower(p.login) LIKE $1 || '%'") },
      }));
      expect(await loose.verifyPassword('sokolova.n', 'uchitel-3001')).toBeUndefined();
      expect((await loose.verifyPassword('sokolova.n2', 'uchitel-3002'))?.accountId).toBe('t-3002');
    });

    it('reads bcrypt values PostgreSQL’s pgcrypto made', async (ctx) => {
      try {
        await admin.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
      } catch {
        ctx.skip();
      }
      await admin.query(`UPDATE polzovateli SET parol_hash = crypt($1, gen_salt('bf', 5)), parol_sol = NULL, parol_algoritm = NULL WHERE id = 't-3003'`, [
        'Новый-пароль 2026',
      ]);
      expect((await adapter.verifyPassword('lebedev.o', 'Новый-пароль 2026'))?.accountId).toBe('t-3003');
      expect(await adapter.verifyPassword('lebedev.o', 'Новый-пароль 2027')).toBeUndefined();
    });
  });

  describe('data as the school typed it', () => {
    it('matches names stored with е for ё, in capitals or padded; returns them as stored', async () => {
      const query = { lastName: 'Фёдоров', firstName: 'Семён', middleName: 'Артёмович', birthDate: fyodorov.birthDate, role: 'pupil' as const };
      const [found] = await adapter.findByFullName(query);
      expect(found).toMatchObject({ accountId: 's-2099', fullName: { lastName: 'Федоров', firstName: 'Семен', middleName: 'Артемович' } });
      const smirnova = await adapter.getAccount('p-1004');
      expect(smirnova?.fullName).toEqual({ lastName: 'СМИРНОВА', firstName: 'ЕЛЕНА', middleName: 'ВИКТОРОВНА' });
      expect((await adapter.getAccount('p-1007'))?.fullName).toEqual({ lastName: 'Морозов', firstName: 'Дмитрий', middleName: 'Александрович' });
      const hyphenated = { ...query, lastName: 'Фёдоров–', firstName: ' семен ' };
      expect((await adapter.findByFullName(hyphenated)).map((a) => a.accountId)).toEqual(['s-2099']);
    });

    it('reads dates without time-zone shifts', async () => {
      const previous = process.env.TZ;
      process.env.TZ = 'Pacific/Kiritimati';
      try {
        expect((await adapter.getAccount('s-2006'))?.birthDate).toBe(seed.accounts.find((a) => a.accountId === 's-2006')!.birthDate);
        expect((await adapter.getAccount('s-2006'))?.birthDate).toMatch(/-02-29$/);
      } finally {
        if (previous === undefined) delete process.env.TZ;
        else process.env.TZ = previous;
      }
    });

    it('finds SNILS whichever way it was written, and ignores invalid ones', async () => {
      const { rows } = await admin.query(`SELECT id, snils FROM polzovateli WHERE snils IS NOT NULL ORDER BY id`);
      expect(new Set(rows.map((r: { snils: string }) => r.snils.replace(/\d/g, '9')))).toEqual(new Set(['999-999-999 99', '99999999999', '999 999 999 99']));
      for (const a of seed.accounts.filter((x) => x.snils && x.accountId !== 'p-1008')) {
        expect((await adapter.findBySnils(a.snils!, a.role)).map((x) => x.accountId)).toContain(a.accountId);
      }
      await admin.query(`UPDATE polzovateli SET snils = '123-456-789 00' WHERE id = 's-2002'`);
      try {
        const anna = await adapter.getAccount('s-2002');
        expect(anna?.accountId).toBe('s-2002');
        expect(anna?.snils).toBeUndefined();
      } finally {
        await admin.query(`UPDATE polzovateli SET snils = $1 WHERE id = 's-2002'`, [seed.accounts.find((a) => a.accountId === 's-2002')!.snils]);
      }
    });

    it('maps numeric role codes', async () => {
      const code = `CASE p.rol WHEN 'Родитель' THEN 1 WHEN 'Ученик' THEN 2 WHEN 'Сотрудник' THEN 3 END`;
      const coded = await open(db.connectionString, (c) => ({
        ...c,
        roleMap: { '1': 'parent', '2': 'pupil', '3': 'staff' },
        queries: {
          ...c.queries,
          getAccount: c.queries.getAccount.replace('p.rol AS role', `${code} AS role`),
          findBySnils: c.queries.findBySnils.replace('p.rol AS role', `${code} AS role`).replace('p.rol = ANY($2)', `(${code})::text = ANY($2)`),
        },
      }));
      expect(await coded.getAccount('t-3001')).toMatchObject({ role: 'staff', position: 'учитель математики' });
      expect((await coded.findBySnils('11223344595', 'parent')).map((a) => a.accountId)).toEqual(['p-1001']);
      expect(await coded.findBySnils('11223344595', 'pupil')).toEqual([]);
    });

    it('offers relations only when both queries are configured', async () => {
      const plain = await open(db.connectionString, (c) => ({ ...c, queries: { ...c.queries, parentsOf: undefined, childrenOf: undefined } }));
      expect(hasRelations(plain)).toBe(false);
      expect(hasPasswordCheck(plain)).toBe(true);
      expect(hasLinkWriteBack(plain)).toBe(false);
      expect(sqlConfigSchema.safeParse({ ...fixtureAdapterConfig('postgres://x/y'), queries: { ...fixtureQueries, childrenOf: undefined } }).success).toBe(false);
    });
  });

  describe('read-only', () => {
    const update = `UPDATE polzovateli p SET familiya = 'Взломов' FROM shkoly s WHERE s.kod = p.shkola AND p.id = $1
      RETURNING p.id AS account_id, p.rol AS role, s.kod AS institution_id, s.naimenovanie AS institution_name,
        p.familiya AS last_name, p.imya AS first_name, p.otchestvo AS middle_name, p.data_rozhdeniya AS birth_date,
        p.snils AS snils, p.klass AS class_name, p.dolzhnost AS position`;

    it('refuses a query that writes, directly or in a CTE', async () => {
      const writer = await open(db.connectionString, (c) => ({ ...c, queries: { ...c.queries, getAccount: update } }));
      const err = await failure(writer.getAccount('s-2001'));
      expect(err.code).toBe('ERR_ADAPTER_CONFIG');
      expect(err.message).toMatch(/getAccount tried to write.*read-only/);
      const cte = await open(db.connectionString, (c) => ({ ...c, queries: { ...c.queries, getAccount: `WITH changed AS (${update}) SELECT * FROM changed` } }));
      expect((await failure(cte.getAccount('s-2001'))).code).toBe('ERR_ADAPTER_CONFIG');
      const { rows } = await admin.query(`SELECT familiya FROM polzovateli WHERE id = 's-2001'`);
      expect(rows[0].familiya).toBe('Иванов');
      // The pool still works afterwards.
      expect((await writer.findBySnils('11223344595', 'parent')).map((a) => a.accountId)).toEqual(['p-1001']);
    });

    it('refuses a second statement smuggled into a query', async () => {
      const smuggler = await open(db.connectionString, (c) => ({
        ...c,
        queries: { ...c.queries, institutions: `${c.queries.institutions}; DELETE FROM svyazi_roditel_uchenik` },
      }));
      const err = await failure(smuggler.listInstitutions());
      expect(err.code).toBe('ERR_ADAPTER_CONFIG');
      expect(Number((await admin.query('SELECT count(*) AS n FROM svyazi_roditel_uchenik')).rows[0].n)).toBeGreaterThan(0);
    });
  });

  describe('failures', () => {
    it('times out a slow query with ERR_ADAPTER_TIMEOUT, and recovers', async () => {
      const slow = await open(db.connectionString, (c) => ({
        ...c,
        statementTimeoutMs: 150,
        queries: { ...c.queries, getAccount: `SELECT q.* FROM (${c.queries.getAccount}) q, pg_sleep(3)` },
      }));
      const started = Date.now();
      const err = await failure(slow.getAccount('s-2001'));
      expect(err.code).toBe('ERR_ADAPTER_TIMEOUT');
      expect(err.message).toContain('getAccount');
      expect(Date.now() - started).toBeLessThan(2_000);
      expect((await slow.findBySnils('11223344595', 'parent')).map((a) => a.accountId)).toEqual(['p-1001']);
    });

    it('fails fast with ERR_ADAPTER_UNAVAILABLE when nothing listens', async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      server.close();
      await once(server, 'close');
      const dead = await open(`postgres://postgres@127.0.0.1:${port}/journal`, (c) => ({ ...c, connectTimeoutMs: 500 }));
      const started = Date.now();
      const err = await failure(dead.getAccount('s-2001'));
      expect(err.code).toBe('ERR_ADAPTER_UNAVAILABLE');
      expect(err.journalId).toBe('demo-journal');
      expect(Date.now() - started).toBeLessThan(1_500);
      expect((await failure(dead.verifyPassword('ivanova.m', 'mama-1001'))).code).toBe('ERR_ADAPTER_UNAVAILABLE');
    });

    it('times out a server that accepts connections but never answers', async () => {
      const sockets: Socket[] = [];
      const mute = createServer((socket) => void sockets.push(socket));
      mute.listen(0, '127.0.0.1');
      await once(mute, 'listening');
      const { port } = mute.address() as { port: number };
      try {
        const stuck = await open(`postgres://postgres@127.0.0.1:${port}/journal`, (c) => ({ ...c, connectTimeoutMs: 300 }));
        const started = Date.now();
        expect((await failure(stuck.listInstitutions())).code).toBe('ERR_ADAPTER_TIMEOUT');
        expect(Date.now() - started).toBeLessThan(1_500);
      } finally {
        for (const socket of sockets) socket.destroy();
        mute.close();
      }
    });

    it('reports refused credentials and a missing database', async () => {
      const stranger = await open(db.connectionString.replace('postgres@', 'no_such_role_7f3a@'));
      expect((await failure(stranger.listInstitutions())).code).toBe('ERR_ADAPTER_UNAUTHORIZED');
      const nowhere = await open(db.connectionString.replace(db.name, `${db.name}_missing`));
      expect((await failure(nowhere.listInstitutions())).code).toBe('ERR_ADAPTER_CONFIG');
    });

    it('reports broken SQL as ERR_ADAPTER_CONFIG naming the operation, never the parameters', async () => {
      const secret = 'секрет-пароль-42';
      const broken = await open(db.connectionString, (c) => ({
        ...c,
        queries: {
          ...c.queries,
          getAccount: c.queries.getAccount.replace('SELECT', 'SELEC'),
          findBySnils: c.queries.findBySnils.replace('p.rol = ANY($2)', 'p.rol = ANY($2) AND p.id::int = $1::int'),
          verifyPasswordLookup: c.queries.verifyPasswordLookup.replace('lower(p.login) = $1', 'p.data_rozhdeniya = $1::date'),
          institutions: 'SELECT kod AS institution_id FROM shkoly',
          childrenOf: c.queries.childrenOf!.replace('p.familiya AS last_name', '1 AS last_name'),
        },
      }));
      const syntax = await failure(broken.getAccount(secret));
      expect(syntax.code).toBe('ERR_ADAPTER_CONFIG');
      expect(syntax.message).toMatch(/getAccount is invalid: syntax error.*42601/);
      const cast = await failure(broken.findBySnils('112-233-445 95', 'parent'));
      expect(cast.code).toBe('ERR_ADAPTER_CONFIG');
      expect(cast.message).toContain('findBySnils');
      const login = await failure(broken.verifyPassword(secret, secret));
      expect(login.message).toContain('verifyPasswordLookup');
      for (const err of [syntax, cast, login]) {
        expect(everythingIn(err)).not.toContain(secret);
        expect(everythingIn(err)).not.toContain('11223344595');
      }
      const columns = await failure(broken.listInstitutions());
      expect(columns.message).toMatch(/institutions must return the column\(s\) institution_name, municipality/);
      const types = await failure(broken.childrenOf('p-1001'));
      expect(types.message).toMatch(/childrenOf returned unexpected values in column\(s\) last_name/);
      expect(everythingIn(types)).not.toContain('Иванов');
    });

    it('returns nothing for SQL-injection attempts and changes nothing', async () => {
      const before = await countRows();
      const hostile = ["' OR '1'='1", "'; DROP TABLE polzovateli; --", "s-2001' --", '%', '_', 's-2001\u0000', '$1', "\\'; SELECT pg_sleep(5); --"];
      for (const text of hostile) {
        expect(await adapter.getAccount(text)).toBeUndefined();
        expect(await adapter.verifyPassword(text, text)).toBeUndefined();
        expect(await adapter.verifyPassword('ivanova.m', text)).toBeUndefined();
        expect(await adapter.findBySnils(text, 'parent')).toEqual([]);
        expect(await adapter.findByFullName({ lastName: text, firstName: text, middleName: text, birthDate: '2011-01-01', role: 'pupil' })).toEqual([]);
        expect(await adapter.findByFullName({ lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич', birthDate: text, role: 'pupil' })).toEqual([]);
        expect(await adapter.parentsOf(text)).toEqual([]);
        expect(await adapter.childrenOf(text)).toEqual([]);
      }
      expect(await countRows()).toBe(before);
    });
  });

  describe('configuration', () => {
    it('rejects unknown keys and contradictory connection settings', () => {
      const good = fixtureAdapterConfig('postgres://broker@db/journal');
      expect(sqlConfigSchema.safeParse(good).success).toBe(true);
      expect(sqlConfigSchema.safeParse({ ...good, extra: 1 }).success).toBe(false);
      expect(sqlConfigSchema.safeParse({ ...good, queries: { ...good.queries, deleteAll: 'DELETE FROM x' } }).success).toBe(false);
      expect(sqlConfigSchema.safeParse({ ...good, host: 'db' }).success).toBe(false);
      const { connectionString: _, ...withoutConnection } = good;
      expect(sqlConfigSchema.safeParse(withoutConnection).success).toBe(false);
      expect(sqlConfigSchema.safeParse({ ...withoutConnection, host: 'db', database: 'journal', user: 'broker' }).success).toBe(true);
      expect(sqlConfigSchema.safeParse({ ...good, roleMap: {} }).success).toBe(false);
      expect(sqlConfigSchema.safeParse({ ...good, roleMap: { Родитель: 'guardian' } }).success).toBe(false);
    });

    it('the example configuration loads and holds the fixture’s queries', () => {
      const file = new URL('../../config/examples/adapter-sql.json', import.meta.url);
      const config = loadConfig({ env: { CONFIG_FILE: file.pathname }, adapters: { sql: sqlAdapter.configSchema } });
      const journal = config.journals.find((j) => j.type === 'sql')!;
      expect((journal.config as { queries: unknown }).queries).toEqual(fixtureQueries);
      expect(JSON.parse(readFileSync(file, 'utf8')).journals[0].config.queries).toEqual(fixtureQueries);
    });
  });

  it('never logs a password or a stored hash', async () => {
    const logs = JSON.stringify(recorded.entries);
    for (const a of seed.accounts) expect(logs).not.toContain(a.password);
    const { rows } = await admin.query('SELECT parol_hash FROM polzovateli');
    for (const r of rows as { parol_hash: string }[]) expect(logs).not.toContain(r.parol_hash);
  });
});
