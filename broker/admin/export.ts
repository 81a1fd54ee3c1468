/**
 * Exporting the audit log: every entry matching a query, read page by page (so memory holds one page,
 * however long the log), as JSON lines or CSV.
 *
 * CSV follows RFC 4180 (comma, CRLF, a header row; a field with a comma, quote or line break is quoted,
 * quotes doubled). Spreadsheets run a cell starting with `=`, `+`, `-` or `@` (and tab or CR) as a
 * formula, so such a value gets a leading apostrophe and is quoted: it reads as text.
 */
import type { AuditEntry, AuditLog, AuditQuery } from '../audit/log.ts';

export type ExportFormat = 'jsonl' | 'csv';

/** The matching entries in time order, one query page (at most `pageSize`) at a time. */
export async function* auditPages(audit: AuditLog, query: Omit<AuditQuery, 'cursor' | 'limit'>, pageSize = 1000): AsyncGenerator<AuditEntry[]> {
  let cursor: string | undefined;
  do {
    const page = await audit.query({ ...query, limit: pageSize, ...(cursor ? { cursor } : {}) });
    if (page.entries.length) yield page.entries;
    cursor = page.nextCursor;
  } while (cursor);
}

export const CSV_COLUMNS = ['at', 'action', 'outcome', 'actor_kind', 'actor_id', 'esia_oid', 'journal_id', 'account_id', 'method', 'reason', 'evidence', 'request_id'] as const;

/** One CSV field: formula-neutralised and quoted when needed. */
export function csvField(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== value ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(entry: AuditEntry): string {
  const values = [
    entry.at,
    entry.action,
    entry.outcome,
    entry.actor.kind,
    entry.actor.id,
    entry.esiaOid,
    entry.journalId,
    entry.accountId,
    entry.method,
    entry.reason,
    entry.evidence?.join('|'),
    entry.requestId,
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/** The export as text chunks: for CSV the header first; then one chunk per page, a line per entry. */
export async function* exportChunks(pages: AsyncIterable<AuditEntry[]>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const page of pages) yield page.map((entry) => (format === 'csv' ? csvRow(entry) : `${JSON.stringify(entry)}\n`)).join('');
}
