/**
 * The pino logger writes no personal data: its real output stream is captured and searched for the
 * SNILS, names and birth dates logged in every shape (fields, nested objects, arrays, messages, error
 * messages, causes and stacks). Request ids reach every line written inside a request.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BaseError } from './errors.ts';
import { MASK, maskPersonalData, maskText } from './mask.ts';
import { createPinoLogger } from './pino-log.ts';
import { runWithRequestId, withRequestContext } from './request-context.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createPinoLogger('test', { level: 'debug', destination });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = [
  '123-456-789 01',
  '12345678901',
  '123 456 789 01',
  'Иванова',
  'Мария',
  'Петровна',
  '01.02.2010',
  '2010-02-01',
  'ivanova@example.ru',
  '+7 (912) 345-67-89',
  '4510 123456',
];

function expectClean(lines: string[]) {
  const all = lines.join('\n');
  for (const secret of SECRETS) expect(all, `"${secret}" leaked`).not.toContain(secret);
}

describe('pino logger masking', () => {
  it('masks personal fields by key at any depth and keeps the rest', () => {
    const { log, lines, parsed } = capture();
    log.info(
      {
        journalId: 'demo-journal',
        person: { oid: '1000000001', snils: '123-456-789 01', lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', birthDate: '2010-02-01' },
        accounts: [{ accountId: 'p-1001', fullName: { lastName: 'Иванова', firstName: 'Мария' }, documents: [{ series: '4510', number: '123456' }] }],
        deep: { a: { b: { c: { d: { e: { passport: '4510 123456', phone: '+7 (912) 345-67-89', email: 'ivanova@example.ru' } } } } } },
      },
      'login finished',
    );
    expectClean(lines);
    const [line] = parsed();
    expect(line).toMatchObject({ level: 'info', name: 'test', msg: 'login finished', journalId: 'demo-journal' });
    expect(line!.person).toMatchObject({ oid: '1000000001', snils: MASK, lastName: MASK, birthDate: MASK });
    expect((line!.accounts as Array<Record<string, unknown>>)[0]).toMatchObject({ accountId: 'p-1001', fullName: MASK, documents: MASK });
  });

  it('masks SNILS, dates, names, e-mails and phones inside free text: messages, error messages, causes, stacks', () => {
    const { log, lines, parsed } = capture();
    const cause = new Error('row for СНИЛС 12345678901 (Иванова Мария Петровна, 01.02.2010) not unique');
    const err = new BaseError('ERR_X' as never, 'lookup of 123-456-789 01 born 2010-02-01 failed', { cause });
    log.error({ err, detail: 'write to ivanova@example.ru or +7 (912) 345-67-89' }, 'cannot find Иванова Мария Петровна, SNILS 123 456 789 01');
    log.warn({ where: ['x', { text: 'Иванова М. П., 01.02.2010' }] });
    log.error(err as unknown as Record<string, unknown>);
    expectClean(lines);
    const [first] = parsed();
    expect(String(first!.msg)).toBe(`cannot find ${MASK}, SNILS ${MASK}`);
    expect(String((first!.err as Record<string, unknown>).message)).toMatch(/^lookup of \*\*\* born \*\*\* failed/);
    expect((first!.err as Record<string, unknown>).type).toBe('BaseError');
    expect(JSON.stringify(first!.err)).toContain('not unique');
  });

  it('keeps what operators need: ids, error class names, timestamps, counts', () => {
    const { log, parsed } = capture();
    log.info({ err: { name: 'EsiaError', code: 'ERR_ESIA_TIMEOUT' }, oid: '1000000001', at: '2026-05-01T10:00:00.000Z', count: 3 }, 'ESIA login failed');
    const [line] = parsed();
    expect(line).toMatchObject({ err: { name: 'EsiaError', code: 'ERR_ESIA_TIMEOUT' }, oid: '1000000001', at: '2026-05-01T10:00:00.000Z', count: 3 });
    expect(typeof line!.time).toBe('string');
  });

  it('survives cycles and very deep objects', () => {
    const { log, lines } = capture();
    const a: Record<string, unknown> = { snils: '12345678901' };
    a.self = a;
    let deep: Record<string, unknown> = { text: 'СНИЛС 12345678901' };
    for (let i = 0; i < 20; i++) deep = { deep };
    log.info({ a, deep });
    expectClean(lines);
    expect(lines[0]).toContain('[circular]');
  });

  it('adds the request id to every line written inside a request, from the pino logger or any wrapped one', async () => {
    const { log, parsed } = capture();
    const wrapped = withRequestContext(log);
    expect(wrapped).toBe(log); // the pino logger adds the id itself
    const other = withRequestContext({ debug: log.debug.bind(log), info: log.info.bind(log), warn: log.warn.bind(log), error: log.error.bind(log) });
    log.info({}, 'outside');
    await runWithRequestId('req-12345678', async () => {
      log.info({}, 'direct');
      await new Promise((r) => setTimeout(r, 5));
      wrapped.warn({ step: 2 }, 'after await');
      other.info({ step: 3 }, 'through a plain wrapper');
    });
    const lines = parsed();
    expect(lines[0]!.reqId).toBeUndefined();
    expect(lines[1]!.reqId).toBe('req-12345678');
    expect(lines[2]).toMatchObject({ reqId: 'req-12345678', step: 2, level: 'warn' });
    expect(lines[3]).toMatchObject({ reqId: 'req-12345678', step: 3, level: 'info' });
  });
});

describe('maskText and maskPersonalData', () => {
  it('masks each form on its own', () => {
    for (const s of ['123-456-789 01', '123-456-789-01', '12345678901', '01.02.2010', '1/2/2010', '2010-02-01', 'a.b@c.ru', '8 912 345 67 89', 'Соколова Анна', 'Смирнов-Петров Иван Ильич', 'Иванов П.']) {
      expect(maskText(`x ${s} y`), s).toBe(`x ${MASK} y`);
    }
  });

  it('leaves ordinary text alone', () => {
    for (const s of ['journal circuit opened', 'МБОУ «Лицей № 2»', 'Электронный журнал (демо)', 'oid 1000000001', '2026-05-01T10:00:00Z', 'took 5000 ms', '7d44cfe3-8309-4840-a123-45678901fc0d', 'kid e1234567890123f']) {
      expect(maskText(s)).toBe(s);
    }
  });

  it('masks by key in Maps, in any spelling of the key, and past the cache of keys seen before', () => {
    const person = new Map<unknown, unknown>([['Last_Name', 'Иванова'], ['SNILS', '12345678901'], [7, 'seven'], ['oid', 1000000001]]);
    expect(maskPersonalData({ person })).toEqual({ person: { Last_Name: MASK, SNILS: MASK, '7': 'seven', oid: 1000000001 } });
    // Thousands of one-off keys (more than the cache keeps): answers stay the same, before and after.
    const many: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) many[`field${i}`] = 'plain';
    expect(Object.values(maskPersonalData(many) as Record<string, string>).every((v) => v === 'plain')).toBe(true);
    for (const key of ['birth-date', 'BirthDate', 'email', 'E_Mail', 'ordinary']) {
      expect(maskPersonalData({ [key]: 'x' }), key).toEqual({ [key]: key === 'ordinary' ? 'x' : MASK });
    }
  });

  it('masks 11-digit numbers and binary data, keeps other values', () => {
    expect(maskPersonalData({ n: 12345678901, m: 42, b: new Uint8Array(3), ok: true, nothing: null })).toEqual({
      n: MASK,
      m: 42,
      b: '[binary 3 bytes]',
      ok: true,
      nothing: null,
    });
  });
});
