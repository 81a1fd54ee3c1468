/**
 * A roster file's bytes → an indexed snapshot, or every problem found (line and rule, no personal
 * data). Pure: no I/O, so reloads and tests call it alike.
 */
import { extname } from 'node:path';
import type { Institution } from '../types.ts';
import { readCsvHeader } from './columns.ts';
import type { RosterAdapterConfig } from './config.ts';
import { CsvSyntaxError, decodeText, detectDelimiter, forEachCsvRecord } from './csv.ts';
import { readJsonRoster } from './json.ts';
import { RosterBuilder, type Problem } from './map.ts';
import { RosterSnapshot } from './snapshot.ts';

/** How many problems an error message or log line lists. */
export const MAX_LISTED_PROBLEMS = 20;

export type RosterParseResult =
  | { ok: true; snapshot: RosterSnapshot; droppedSnilsLines: number[] }
  | { ok: false; problems: Problem[] };

/** The format of the file at `path`: as configured, or by extension. */
export function resolveFormat(config: Pick<RosterAdapterConfig, 'format' | 'path'>): 'csv' | 'json' {
  if (config.format !== 'auto') return config.format;
  return extname(config.path).toLowerCase() === '.json' ? 'json' : 'csv';
}

/** Parses a whole roster file into a snapshot, or every problem found. */
export function parseRoster(
  bytes: Uint8Array,
  options: { journalId: string; format: 'csv' | 'json'; delimiter?: ';' | ','; institutions?: readonly Institution[] },
): RosterParseResult {
  try {
    const text = decodeText(bytes).text;
    return options.format === 'json' ? parseJson(text, options) : parseCsvRoster(text, options);
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { ok: false, problems: [{ line: err.line, reason: err.reason }] };
    throw err;
  }
}

type ParseOptions = Parameters<typeof parseRoster>[1];

function parseCsvRoster(text: string, options: ParseOptions): RosterParseResult {
  const institutions = mergeInstitutions([], options.institutions);
  const builder = new RosterBuilder(options.journalId, sharedRefs(institutions));
  let header: ReturnType<typeof readCsvHeader> | undefined;
  forEachCsvRecord(text, options.delimiter ?? detectDelimiter(text), (fields, line) => {
    if (!header) {
      header = readCsvHeader(fields, line);
      if ('problems' in header) header.problems.forEach((p) => builder.addProblem(p));
      return;
    }
    if (!('read' in header)) return;
    const row = header.read(fields, line);
    if (row && 'reason' in row) builder.addProblem(row);
    else if (row) builder.add(row);
  });
  if (!header) return { ok: false, problems: [{ line: 1, reason: 'the file is empty' }] };
  return finish(builder, institutions);
}

function parseJson(text: string, options: ParseOptions): RosterParseResult {
  const json = readJsonRoster(text);
  if (json.problems.length > 0 && json.rows.length === 0) return { ok: false, problems: json.problems };
  const institutions = mergeInstitutions(json.institutions, options.institutions);
  const builder = new RosterBuilder(options.journalId, sharedRefs(institutions));
  json.problems.forEach((p) => builder.addProblem(p));
  json.rows.forEach((row) => builder.add(row));
  return finish(builder, institutions);
}

function finish(builder: RosterBuilder, institutions: Map<string, Institution>): RosterParseResult {
  const mapped = builder.finish();
  if (mapped.problems.length > 0) return { ok: false, problems: mapped.problems };
  return {
    ok: true,
    snapshot: new RosterSnapshot(mapped, [...institutions.values()]),
    droppedSnilsLines: mapped.droppedSnilsLines,
  };
}

/** The file's institutions, then the config's (which win for the same id). */
function mergeInstitutions(fromFile: readonly Institution[], fromConfig: readonly Institution[] = []): Map<string, Institution> {
  const merged = new Map<string, Institution>();
  for (const i of [...fromFile, ...fromConfig]) merged.set(i.id, i);
  return merged;
}

/** One `{ id, name }` object per school, shared by all its accounts. */
function sharedRefs(institutions: Map<string, Institution>): Map<string, { id: string; name: string }> {
  return new Map([...institutions].map(([id, i]) => [id, { id, name: i.name }]));
}

/** `line 12: invalid birth date; …` — at most MAX_LISTED_PROBLEMS, then how many more. */
export function describeProblems(problems: readonly Problem[]): string[] {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `line ${p.line}${p.at ? ` (${p.at})` : ''}: ${p.reason}`);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return listed;
}
