import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger, type Logger } from '../../core/log.ts';
import { buildJournalSeed, type JournalSeed, type SeedAccount } from '../../fixtures/journal-seed.ts';
import { CONFORMANCE_ANCHOR, describeJournalAdapterConformance } from '../../test/conformance/journal-adapter.ts';
import { AdapterError } from '../errors.ts';
import { formatSnils, normalizeName } from '../normalize.ts';
import type { AdapterDeps, JournalAdapter, RelationsCapability } from '../types.ts';
import { renderCsv, renderJson, UPPER_CASE_ACCOUNT, writeRosterFixture } from './fixture.ts';
import { rosterAdapter } from './index.ts';
import { parseRoster } from './parse.ts';
import { normalizeNames } from './snapshot.ts';

type RosterAdapter = JournalAdapter & RelationsCapability;

function depsWith(log: Logger = silentLogger): AdapterDeps {
  return {
    outbound: () => Promise.reject(new Error('the roster adapter makes no HTTP calls')),
    log,
    clock: () => new Date(),
  };
}

function recordingLogger() {
  const entries: { level: string; obj: Record<string, unknown>; msg?: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg?: string) => void entries.push({ level, obj, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, entries, warnings: () => entries.filter((e) => e.level === 'warn') };
}

async function openRoster(config: unknown, log: Logger = silentLogger): Promise<RosterAdapter> {
  const adapter = await rosterAdapter.create('demo-journal', rosterAdapter.configSchema.parse(config), depsWith(log));
  return adapter as RosterAdapter;
}

/** Every way the seed's personal data could be written: none of it may reach a message or a log. */
function personalData(seed: JournalSeed): string[] {
  const out = new Set<string>();
  for (const a of seed.accounts) {
    for (const part of [a.lastName, a.firstName, a.middleName ?? '']) {
      if (!part) continue;
      out.add(part).add(part.replace(/ё/g, 'е')).add(part.toLocaleUpperCase('ru-RU'));
    }
    out.add(a.birthDate).add(`${a.birthDate.slice(8, 10)}.${a.birthDate.slice(5, 7)}.${a.birthDate.slice(0, 4)}`);
    if (a.snils) out.add(a.snils).add(formatSnils(a.snils));
  }
  return [...out];
}

function expectNoPersonalData(text: string, seed: JournalSeed): void {
  for (const value of personalData(seed)) expect(text).not.toContain(value);
}

const seed = buildJournalSeed(CONFORMANCE_ANCHOR);
const extraPupil: SeedAccount = {
  ...seed.accounts.find((a) => a.accountId === 's-2005')!,
  accountId: 's-2099',
  lastName: 'Новый',
  firstName: 'Ученик',
  middleName: 'Тестович',
  snils: undefined,
  parents: ['p-1001', 'p-1006'],
  personaKey: 'extra',
};
const withExtraPupil: JournalSeed = { ...seed, accounts: [...seed.accounts, extraPupil] };
/** The seed with one field of one account changed. */
const seedWith = (accountId: string, change: Partial<SeedAccount>): JournalSeed => ({
  ...seed,
  accounts: seed.accounts.map((a) => (a.accountId === accountId ? { ...a, ...change } : a)),
});
/** The CSV line of an account (header on line 1). */
const lineOf = (accountId: string) => seed.accounts.findIndex((a) => a.accountId === accountId) + 2;

let root: string;
let dirs = 0;
const freshDir = async () => {
  const dir = join(root, `case-${++dirs}`);
  await mkdir(dir);
  return dir;
};
/** Replaces a file at once (write aside, rename), as the README asks schools to do. */
async function replaceFile(path: string, content: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}
const open: RosterAdapter[] = [];
const track = (adapter: RosterAdapter) => (open.push(adapter), adapter);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'roster-test-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

for (const format of ['csv', 'json'] as const) {
  describeJournalAdapterConformance({
    name: `roster (${format})`,
    capabilities: { password: false, relations: true, writeBack: false },
    async setup(conformanceSeed) {
      const dir = await mkdtemp(join(tmpdir(), `roster-conformance-${format}-`));
      // The suite checks «Пётр» field by field, so this fixture keeps ё (lookups still fold it).
      const { config } = await writeRosterFixture(dir, conformanceSeed, format, { yoAsE: false });
      const adapter = await rosterAdapter.create(conformanceSeed.journalId, rosterAdapter.configSchema.parse(config), depsWith());
      return { adapter, teardown: () => rm(dir, { recursive: true, force: true }) };
    },
  });
}

describe('roster config', () => {
  it('fills defaults and rejects unknown keys', () => {
    expect(rosterAdapter.configSchema.parse({ path: '/srv/roster.csv' })).toEqual({
      path: '/srv/roster.csv',
      format: 'auto',
      reload: { watch: true, pollIntervalMs: 5000 },
    });
    expect(rosterAdapter.configSchema.safeParse({ path: 'r.csv', password: true }).success).toBe(false);
    expect(rosterAdapter.configSchema.safeParse({ path: 'r.csv', reload: { watch: true, every: 5 } }).success).toBe(false);
    expect(rosterAdapter.configSchema.safeParse({ path: 'r.csv', delimiter: '\t' }).success).toBe(false);
  });
});

describe('roster files as schools write them', () => {
  it('matches names written in capitals and with е for ё', async () => {
    const { config } = await writeRosterFixture(await freshDir(), seed, 'csv');
    const adapter = track(await openRoster(config));
    const ivanov = seed.accounts.find((a) => a.accountId === 's-2001')!;
    expect((await adapter.getAccount('s-2001'))?.fullName.firstName).toBe('Петр');
    const found = await adapter.findByFullName({ lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич', birthDate: ivanov.birthDate, role: 'pupil' });
    expect(found.map((a) => a.accountId)).toEqual(['s-2001']);
    expect((await adapter.getAccount(UPPER_CASE_ACCOUNT))?.fullName).toEqual({ lastName: 'МОРОЗОВ', firstName: 'ДМИТРИЙ', middleName: 'АЛЕКСАНДРОВИЧ' });
    const morozov = seed.accounts.find((a) => a.accountId === 'p-1007')!;
    const namesakes = await adapter.findByFullName({ lastName: 'Морозов', firstName: 'Дмитрий', middleName: 'Александрович', birthDate: morozov.birthDate, role: 'parent' });
    expect(namesakes.map((a) => a.accountId).sort()).toEqual(['p-1007', 'p-1008']);
  });

  it('reads Windows-1251', async () => {
    const { config } = await writeRosterFixture(await freshDir(), seed, 'csv', { encoding: 'windows-1251' });
    const adapter = track(await openRoster(config));
    expect(await adapter.getAccount('t-3002')).toMatchObject({
      fullName: { lastName: 'Соколова', firstName: 'Наталья', middleName: 'Владимировна' },
      institution: { id: 'school-2', name: 'МБОУ «Лицей № 2» г.о. Тольятти' },
      position: 'учитель математики',
    });
    expect((await adapter.findBySnils('78901234523', 'staff')).map((a) => a.accountId).sort()).toEqual(['t-3001', 't-3002']);
  });

  it('reads a `,`-delimited file, guessing the delimiter, with a quoted list of parents', async () => {
    const { path, config } = await writeRosterFixture(await freshDir(), withExtraPupil, 'csv', { delimiter: ',' });
    expect(renderCsv(withExtraPupil, { delimiter: ',' })).toContain('"p-1001,p-1006"');
    const adapter = track(await openRoster({ ...config, delimiter: undefined, path }));
    expect((await adapter.parentsOf('s-2099')).map((a) => a.accountId).sort()).toEqual(['p-1001', 'p-1006']);
    expect((await adapter.childrenOf('p-1006')).map((a) => a.accountId).sort()).toEqual(['s-2005', 's-2099']);
    expect(await adapter.findBySnils('11223344595', 'parent')).toHaveLength(1);
  });

  it('reads English headers, any column order, quoted fields with `;`, quotes and line breaks', async () => {
    const path = join(await freshDir(), 'export.txt');
    const text = [
      'role;accountId;institution;lastName;firstName;middleName;birthDate;snils;class;position;parents;comment',
      'staff;t-1;school-1;Петров-Водкин;Кузьма;Сергеевич;5.11.1978;112 233 445 95;;"завуч; учитель ""ИЗО""\nи черчения";;ignored column',
      'parent;p-1;school-1;"Смирнова ""Младшая""";Анна;;;;;;;',
      'pupil;s-1;school-1;Смирнов;Олег;;2012-02-29;;5А;;p-1;',
      '',
    ].join('\n');
    await writeFile(path, text);
    const adapter = track(await openRoster({ path, institutions: [{ id: 'school-1', name: 'Школа № 1' }], reload: { watch: false, pollIntervalMs: 0 } }));
    expect(await adapter.getAccount('t-1')).toEqual({
      journalId: 'demo-journal',
      accountId: 't-1',
      role: 'staff',
      institution: { id: 'school-1', name: 'Школа № 1' },
      fullName: { lastName: 'Петров-Водкин', firstName: 'Кузьма', middleName: 'Сергеевич' },
      birthDate: '1978-11-05',
      snils: '11223344595',
      // White space in a field, line breaks included, folds to one space.
      position: 'завуч; учитель "ИЗО" и черчения',
    });
    expect((await adapter.getAccount('p-1'))?.fullName).toEqual({ lastName: 'Смирнова "Младшая"', firstName: 'Анна' });
    expect(await adapter.getAccount('s-1')).toMatchObject({ birthDate: '2012-02-29', className: '5А' });
    expect((await adapter.childrenOf('p-1')).map((a) => a.accountId)).toEqual(['s-1']);
    const found = await adapter.findByFullName({ lastName: 'ПЕТРОВ – ВОДКИН', firstName: 'кузьма', middleName: 'Сергеевич', birthDate: '1978-11-05', role: 'staff' });
    expect(found.map((a) => a.accountId)).toEqual(['t-1']);
  });

  it('drops a SNILS with a bad check digit with a warning, and keeps the account', async () => {
    const recorder = recordingLogger();
    const bad = seedWith('p-1001', { snils: '11223344596' });
    const { config } = await writeRosterFixture(await freshDir(), bad, 'csv');
    const adapter = track(await openRoster(config, recorder.log));
    const account = await adapter.getAccount('p-1001');
    expect(account?.fullName.lastName).toBe('Иванова');
    expect(account?.snils).toBeUndefined();
    expect(await adapter.findBySnils('11223344595', 'parent')).toEqual([]);
    const [warning] = recorder.warnings();
    expect(warning?.obj).toMatchObject({ count: 1, lines: [lineOf('p-1001')] });
    expectNoPersonalData(JSON.stringify(recorder.entries), bad);
    expect(JSON.stringify(recorder.entries)).not.toContain('11223344596');
  });
});

describe('roster files refused', () => {
  it('refuses a missing file with ERR_ADAPTER_CONFIG', async () => {
    const path = join(await freshDir(), 'nowhere.csv');
    await expect(openRoster({ path })).rejects.toMatchObject({ code: 'ERR_ADAPTER_CONFIG', message: expect.stringContaining('not found') });
  });

  it('refuses a broken file at first load, listing lines and reasons without personal data', async () => {
    const broken: JournalSeed = {
      ...seed,
      accounts: seed.accounts.map((a) => {
        if (a.accountId === 'p-1004') return { ...a, birthDate: '1983-02-31' };
        if (a.accountId === 's-2003') return { ...a, parents: ['p-7777'] };
        if (a.accountId === 't-3002') return { ...a, accountId: 't-3001' };
        return a;
      }),
    };
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, broken, 'csv');
    const text = renderCsv(broken).replace(/;ученик;school-2;Кузнецова/, ';студент;school-2;Кузнецова');
    await writeFile(config.path, text);
    const error = await openRoster(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(AdapterError);
    const { code, message } = error as AdapterError;
    expect(code).toBe('ERR_ADAPTER_CONFIG');
    expect(message).toContain(`line ${lineOf('p-1004')}: invalid birth date`);
    expect(message).toContain(`line ${lineOf('s-2003')}: a listed parent id is not in the file`);
    expect(message).toContain(`line ${lineOf('s-2004')}: unknown role`);
    expect(message).toContain(`line ${lineOf('t-3002')}: repeated id (first on line ${lineOf('t-3001')})`);
    expect(message).toContain('(4 problems)');
    expectNoPersonalData(message, broken);
    expectNoPersonalData(JSON.stringify((error as AdapterError).cause), broken);
  });

  it('lists at most 20 problems', async () => {
    const many: JournalSeed = {
      ...seed,
      accounts: Array.from({ length: 30 }, (_, i) => ({ ...seed.accounts[0]!, accountId: `p-${i}`, birthDate: '2000-13-01', children: [] })),
    };
    const { config } = await writeRosterFixture(await freshDir(), many, 'csv');
    const error = (await openRoster(config).catch((err: unknown) => err)) as AdapterError;
    expect(error.code).toBe('ERR_ADAPTER_CONFIG');
    expect(error.message.match(/invalid birth date/g)).toHaveLength(20);
    expect(error.message).toContain('line 21: invalid birth date; and 10 more');
  });

  it('counts lines inside quoted fields when naming the faulty line', async () => {
    const path = join(await freshDir(), 'roster.csv');
    await writeFile(
      path,
      'Идентификатор;Роль;Школа;Фамилия;Имя;Должность\n' +
        't-1;сотрудник;school-1;Петрова;Анна;"завуч\nпо УВР\nи учитель"\n' +
        't-2;директор;school-1;Сидоров;Иван;директор\n',
    );
    await expect(openRoster({ path, institutions: [{ id: 'school-1', name: 'Школа' }] })).rejects.toThrowError(/line 5: unknown role/);
  });

  it('refuses a file with a quote left open, a short row, an unknown school, or no accounts', async () => {
    const path = join(await freshDir(), 'roster.csv');
    const institutions = [{ id: 'school-1', name: 'Школа' }];
    const header = 'Идентификатор;Роль;Школа;Фамилия;Имя\n';
    await writeFile(path, `${header}t-1;сотрудник;school-1;"Петрова;Анна\n`);
    await expect(openRoster({ path, institutions })).rejects.toThrowError(/line 2: a quoted field is not closed/);
    await writeFile(path, `${header}t-1;сотрудник;school-1;Петрова\n`);
    await expect(openRoster({ path, institutions })).rejects.toThrowError(/line 2: 4 fields, the header has 5/);
    await writeFile(path, `${header}t-1;сотрудник;school-9;Петрова;Анна\n`);
    await expect(openRoster({ path, institutions })).rejects.toThrowError(/line 2: unknown school/);
    await writeFile(path, header);
    await expect(openRoster({ path, institutions })).rejects.toThrowError(/no accounts/);
    await writeFile(path, 'Фамилия;Имя\nПетрова;Анна\n');
    await expect(openRoster({ path, institutions })).rejects.toThrowError(/line 1: no id \(Идентификатор \/ accountId\) column/);
  });

  it('refuses a broken JSON roster with the line of each faulty account', async () => {
    const broken = seedWith('p-1004', { birthDate: '1983-02-31' });
    const { config } = await writeRosterFixture(await freshDir(), broken, 'json');
    const text = renderJson(broken);
    const line = text.split('\n').findIndex((l) => l.includes('"accountId": "p-1004"'));
    const error = (await openRoster(config).catch((err: unknown) => err)) as AdapterError;
    expect(error.code).toBe('ERR_ADAPTER_CONFIG');
    // The account's object opens one line above its first field.
    const index = broken.accounts.findIndex((a) => a.accountId === 'p-1004');
    expect(error.message).toContain(`line ${line} (accounts[${index}]): invalid birth date`);
    expectNoPersonalData(error.message, broken);

    await writeFile(config.path, text.replace('"accountId": "s-2001"', '"accountId": "s-2001", "login": "ivanov.p"'));
    await expect(openRoster(config)).rejects.toThrowError(/line \d+ \(accounts\[1\]\): unknown field "login"/);
    await writeFile(config.path, text.slice(0, text.length / 2));
    const truncated = (await openRoster(config).catch((err: unknown) => err)) as AdapterError;
    expect(truncated.message).toMatch(/line \d+: not valid JSON/);
    expectNoPersonalData(truncated.message, broken);
  });
});

describe('roster relations and JSON details', () => {
  it('refuses parents listed on a row that is not a pupil, or pointing at an account that is not a parent', async () => {
    const path = join(await freshDir(), 'roster.csv');
    await writeFile(
      path,
      'accountId;role;institution;lastName;firstName;birthDate;parents\n' +
        't-1;staff;school-1;Петрова;Анна;;\n' +
        'p-1;parent;school-1;Сидоров;Иван;;s-1\n' +
        's-1;pupil;school-1;Сидоров;Пётр;01.09.2015;t-1\n',
    );
    const error = (await openRoster({ path, institutions: [{ id: 'school-1', name: 'Школа' }] }).catch((err: unknown) => err)) as AdapterError;
    expect(error.message).toContain('line 3: only pupils list parents');
    expect(error.message).toContain('line 4: a listed parent id is not a parent account');
  });

  it('names the entry in a one-line JSON file, and lets the config name schools', async () => {
    const dir = await freshDir();
    const path = join(dir, 'roster.json');
    const accounts = seed.accounts.map((a) => ({ accountId: a.accountId, role: a.role, institution: a.institutionId, lastName: a.lastName, firstName: a.firstName, birthDate: a.birthDate, parents: a.parents }));
    const bad = accounts.map((a, i) => (i === 0 ? { ...a, role: 'директор' } : i === 2 ? { ...a, birthDate: '2015-02-29' } : a));
    await writeFile(path, JSON.stringify({ institutions: seed.institutions, accounts: bad }));
    const error = (await openRoster({ path }).catch((err: unknown) => err)) as AdapterError;
    expect(error.message).toContain('line 1 (accounts[0]): unknown role');
    expect(error.message).toContain('line 1 (accounts[2]): invalid birth date');

    await writeFile(path, JSON.stringify({ institutions: seed.institutions, accounts }));
    const adapter = track(await openRoster({ path, institutions: [{ id: 'school-2', name: 'Лицей № 2' }] }));
    const institutions = await adapter.listInstitutions();
    expect(institutions.map((i) => [i.id, i.name])).toEqual([
      ['school-1', seed.institutions[0]!.name],
      ['school-2', 'Лицей № 2'],
    ]);
    expect((await adapter.getAccount('t-3002'))?.institution).toEqual({ id: 'school-2', name: 'Лицей № 2' });
  });
});

describe('README examples', () => {
  it('parse: the journal config, the CSV and the JSON roster', async () => {
    const readme = await readFile(fileURLToPath(new URL('./README.md', import.meta.url)), 'utf8');
    const blocks = (lang: string) => [...readme.matchAll(new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
    const [journal, roster] = blocks('json').map((text) => JSON.parse(text) as Record<string, unknown>);
    const config = rosterAdapter.configSchema.parse(journal!.config);
    const [csv] = blocks('csv');
    const csvResult = parseRoster(Buffer.from(csv!), { journalId: 'j', format: 'csv', institutions: config.institutions });
    expect(csvResult.ok && csvResult.snapshot.childrenOf('p-1001').map((a) => a.accountId)).toEqual(['s-2001', 's-2002']);
    const jsonResult = parseRoster(Buffer.from(JSON.stringify(roster)), { journalId: 'j', format: 'json' });
    expect(jsonResult.ok && jsonResult.snapshot.parentsOf('s-2001').map((a) => a.accountId)).toEqual(['p-1001']);
  });
});

describe('normalizeNames', () => {
  it('gives what normalizeName gives, name by name', () => {
    const names = [
      'Пётр', ' ИВАНОВ ', 'Петров-Водкин', 'ПЕТРОВ – ВОДКИН', 'Салтыков\u2014Щедрин', 'Анна  Мария', '',
      'О\u0308', 'ΟΔΟΣ', 'Σ', 'ǅ', 'İlker', 'Ёлкин\tЁ', '\u0301Ударение', 'a\u0001b', '  ', '-',
    ];
    expect(normalizeNames(names)).toEqual(names.map((n) => normalizeName(n)));
  });
});

describe('roster reload', () => {
  it('picks up a rewritten file by polling', async () => {
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, seed, 'csv');
    const adapter = track(await openRoster({ ...config, reload: { watch: false, pollIntervalMs: 50 } }));
    expect(await adapter.getAccount('s-2099')).toBeUndefined();
    await writeRosterFixture(dir, withExtraPupil, 'csv');
    await vi.waitFor(async () => expect(await adapter.getAccount('s-2099')).toBeDefined(), { timeout: 2000, interval: 20 });
    expect((await adapter.childrenOf('p-1001')).map((a) => a.accountId).sort()).toEqual(['s-2001', 's-2002', 's-2099']);
  });

  it('picks up a file replaced by rename through fs.watch', async () => {
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, seed, 'json');
    const adapter = track(await openRoster({ ...config, reload: { watch: true, pollIntervalMs: 0 } }));
    const { path: staged } = await writeRosterFixture(dir, withExtraPupil, 'json', { fileName: 'roster.json.new' });
    await rename(staged, config.path);
    await vi.waitFor(async () => expect(await adapter.getAccount('s-2099')).toBeDefined(), { timeout: 2000, interval: 20 });
  });

  it('keeps the previous data when the new file is broken or half-written, then takes the fixed file', async () => {
    const recorder = recordingLogger();
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, seed, 'csv');
    const adapter = track(await openRoster({ ...config, reload: { watch: true, pollIntervalMs: 50 } }, recorder.log));

    const broken = seedWith('s-2003', { birthDate: '2010-02-30' });
    await replaceFile(config.path, renderCsv(broken));
    await vi.waitFor(() => expect(recorder.warnings()).toHaveLength(1), { timeout: 2000, interval: 20 });
    expect(recorder.warnings()[0]).toMatchObject({
      msg: 'roster file refused; keeping the previous data',
      obj: { problemCount: 1, problems: [`line ${lineOf('s-2003')}: invalid birth date`] },
    });
    expect(await adapter.getAccount('s-2003')).toMatchObject({ birthDate: seed.accounts.find((a) => a.accountId === 's-2003')!.birthDate });

    const full = Buffer.from(renderCsv(withExtraPupil), 'utf8');
    await replaceFile(config.path, full.subarray(0, Math.floor(full.length * 0.6)));
    await vi.waitFor(() => expect(recorder.warnings()).toHaveLength(2), { timeout: 2000, interval: 20 });
    expect(recorder.warnings()[1]?.obj.problems).toEqual([expect.stringMatching(/^line \d+: \d+ fields, the header has 11$/)]);
    expect(await adapter.getAccount('t-3003')).toBeDefined();
    expect(await adapter.getAccount('s-2099')).toBeUndefined();

    await writeRosterFixture(dir, withExtraPupil, 'csv');
    await vi.waitFor(async () => expect(await adapter.getAccount('s-2099')).toBeDefined(), { timeout: 2000, interval: 20 });
    expectNoPersonalData(JSON.stringify(recorder.entries), withExtraPupil);
  });

  it('keeps the data while the file is missing', async () => {
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, seed, 'csv');
    const adapter = track(await openRoster({ ...config, reload: { watch: true, pollIntervalMs: 50 } }));
    await rm(config.path);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await adapter.getAccount('s-2001')).toBeDefined();
  });

  it('close() clears the poll timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { config } = await writeRosterFixture(await freshDir(), seed, 'csv');
      const adapter = await openRoster({ ...config, reload: { watch: true, pollIntervalMs: 50 } });
      expect(vi.getTimerCount()).toBe(1);
      await adapter.close();
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('close() stops the watcher', async () => {
    const dir = await freshDir();
    const { config } = await writeRosterFixture(dir, seed, 'csv');
    const adapter = await openRoster({ ...config, reload: { watch: true, pollIntervalMs: 0 } });
    await adapter.close();
    await replaceFile(config.path, renderCsv(withExtraPupil));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await adapter.getAccount('s-2099')).toBeUndefined();
  });
});

describe('a roster of 100 000 accounts', () => {
  /** A valid SNILS for `n`: check digits by the weights 9..1, mod 101. */
  const snilsFor = (n: number) => {
    const body = String(100_000_000 + n * 7).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(body[i]) * (9 - i);
    const check = sum % 101 === 100 ? 0 : sum % 101;
    return body + String(check).padStart(2, '0');
  };

  it('loads, indexes and relates every row', async () => {
    const parents = 40_000;
    const pupils = 50_000;
    const staff = 10_000;
    const rows = ['Идентификатор;Роль;Школа;Фамилия;Имя;Отчество;Дата рождения;СНИЛС;Класс;Должность;Родители'];
    const date = (n: number) => `${String((n % 28) + 1).padStart(2, '0')}.${String((n % 12) + 1).padStart(2, '0')}.${1970 + (n % 40)}`;
    const snils = (n: number) => {
      const s = snilsFor(n);
      return `${s.slice(0, 3)}-${s.slice(3, 6)}-${s.slice(6, 9)} ${s.slice(9)}`;
    };
    for (let i = 0; i < parents; i++) rows.push(`p${i};родитель;school-${i % 7};Фамилия${i};Имя;Отчество;${date(i)};${snils(i)};;;`);
    for (let i = 0; i < pupils; i++) {
      const list = i % 5 === 0 ? `"p${i % parents},p${(i + 1) % parents}"` : `p${i % parents}`;
      rows.push(`s${i};ученик;school-${i % 7};Ученик${i};Имя;Отчество;${date(i)};${i % 2 ? snils(parents + i) : ''};${(i % 11) + 1}А;;${list}`);
    }
    for (let i = 0; i < staff; i++) rows.push(`t${i};сотрудник;school-${i % 7};Учитель${i};Имя;;${date(i)};;;учитель;`);
    const path = join(await freshDir(), 'big.csv');
    await writeFile(path, rows.join('\r\n'));
    const institutions = Array.from({ length: 7 }, (_, i) => ({ id: `school-${i}`, name: `Школа № ${i}` }));
    const adapter = track(await openRoster({ path, institutions, reload: { watch: false, pollIntervalMs: 0 } }));

    expect(await adapter.getAccount('p0')).toMatchObject({ role: 'parent', snils: snilsFor(0), birthDate: '1970-01-01' });
    expect(await adapter.getAccount(`t${staff - 1}`)).toMatchObject({ role: 'staff', position: 'учитель', institution: { id: `school-${(staff - 1) % 7}` } });
    expect(await adapter.getAccount(`s${pupils}`)).toBeUndefined();
    for (let k = 0; k < 200; k++) {
      const i = (k * 7919) % parents;
      expect((await adapter.findBySnils(snilsFor(i), 'parent')).map((a) => a.accountId)).toEqual([`p${i}`]);
      const iso = `${1970 + (i % 40)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      const byName = await adapter.findByFullName({ lastName: `ФАМИЛИЯ${i}`, firstName: 'имя', middleName: 'отчество', birthDate: iso, role: 'parent' });
      expect(byName.map((a) => a.accountId)).toEqual([`p${i}`]);
      const j = (k * 104_729) % pupils;
      const expectedParents = j % 5 === 0 ? [`p${j % parents}`, `p${(j + 1) % parents}`] : [`p${j % parents}`];
      expect((await adapter.parentsOf(`s${j}`)).map((a) => a.accountId)).toEqual(expectedParents);
    }
    // p0: first parent of s0 and s40000 (s39999 and s79999 list one parent only).
    expect((await adapter.childrenOf('p0')).map((a) => a.accountId).sort()).toEqual(['s0', 's40000']);
    // p1: first parent of s1 and s40001, second parent of s0 and s40000.
    expect((await adapter.childrenOf('p1')).map((a) => a.accountId).sort()).toEqual(['s0', 's1', 's40000', 's40001']);
    expect(await adapter.findBySnils(snilsFor(parents + 1), 'pupil')).toHaveLength(1);
    expect(await adapter.findBySnils(snilsFor(parents + 2), 'pupil')).toEqual([]);
  });
});
