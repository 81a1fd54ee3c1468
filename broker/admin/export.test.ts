import { describe, expect, it } from 'vitest';
import { createMemoryAuditLog } from '../audit/log-memory.ts';
import type { AuditEntry } from '../audit/log.ts';
import { auditPages, csvField, csvRow, exportChunks } from './export.ts';

describe('CSV fields', () => {
  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(undefined)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('neutralises values a spreadsheet would run as formulas', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField('-2')).toBe(`"'-2"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('\tx')).toBe(`"'\tx"`);
    expect(csvField('a=b')).toBe('a=b');
  });

  it('writes an entry as one CRLF-terminated row in the header order', () => {
    const entry: AuditEntry = {
      at: '2026-01-02T03:04:05.000Z',
      action: 'link',
      outcome: 'ok',
      actor: { kind: 'journal', id: '=cmd' },
      esiaOid: '1000000001',
      journalId: 'j,1',
      accountId: 'a"1',
      method: 'auto',
      evidence: ['snils', 'full_name+birth_date'],
    };
    expect(csvRow(entry)).toBe(`2026-01-02T03:04:05.000Z,link,ok,journal,"'=cmd",1000000001,"j,1","a""1",auto,,snils|full_name+birth_date,\r\n`);
  });
});

describe('export', () => {
  it('reads every matching entry page by page, in order', async () => {
    const audit = createMemoryAuditLog();
    for (let i = 0; i < 25; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      await audit.append({ at, action: 'link', outcome: 'ok', actor: { kind: 'system', id: 'test' }, journalId: i % 2 ? 'odd' : 'even', accountId: `a-${i}` });
    }
    const pages: number[] = [];
    const accounts: string[] = [];
    for await (const page of auditPages(audit, { journalId: 'odd' }, 5)) {
      pages.push(page.length);
      accounts.push(...page.map((e) => e.accountId!));
    }
    expect(pages).toEqual([5, 5, 2]);
    expect(accounts).toEqual(Array.from({ length: 12 }, (_, k) => `a-${2 * k + 1}`));

    let jsonl = '';
    for await (const chunk of exportChunks(auditPages(audit, { journalId: 'even' }, 4), 'jsonl')) jsonl += chunk;
    const lines = jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(13);
    expect(JSON.parse(lines[0]!)).toMatchObject({ accountId: 'a-0', journalId: 'even' });

    let csv = '';
    for await (const chunk of exportChunks(auditPages(audit, { journalId: 'none' }), 'csv')) csv += chunk;
    expect(csv).toBe('at,action,outcome,actor_kind,actor_id,esia_oid,journal_id,account_id,method,reason,evidence,request_id\r\n');
  });
});
