/**
 * The JSON roster format: `{ "institutions": [...], "accounts": [...] }`, checked with zod. Accounts are
 * checked one by one so every faulty entry is reported with the line it starts on; messages name the
 * field and the rule, never the value.
 */
import { z } from 'zod';
import type { Problem, RawRow } from './map.ts';

/** A school in the JSON roster. */
export const rosterJsonInstitutionSchema = z
  .object({
    id: z.string().trim().min(1),
    name: z.string().trim().min(1),
    municipality: z.string().trim().min(1).optional(),
  })
  .strict();

const text = z.string();
const optionalText = z.string().nullish();

/** One account in the JSON roster; the same fields as the CSV's English headers. */
export const rosterJsonAccountSchema = z
  .object({
    accountId: z.union([z.string(), z.number().int()]).transform(String),
    role: text,
    institution: text,
    lastName: text,
    firstName: text,
    middleName: optionalText,
    /** `yyyy-MM-dd` or `dd.MM.yyyy`. */
    birthDate: optionalText,
    snils: z.union([z.string(), z.number().int()]).nullish(),
    class: optionalText,
    position: optionalText,
    /** A pupil's parents, by account id. */
    parents: z.array(z.union([z.string(), z.number().int()]).transform(String)).optional(),
  })
  .strict();

export const rosterJsonSchema = z
  .object({
    institutions: z.array(rosterJsonInstitutionSchema).default([]),
    accounts: z.array(z.unknown()),
  })
  .strict();

export type RosterJsonInstitution = z.infer<typeof rosterJsonInstitutionSchema>;

/** Reads a JSON roster into raw rows (for `map.ts`) and its institutions. */
export function readJsonRoster(source: string): {
  rows: RawRow[];
  institutions: RosterJsonInstitution[];
  problems: Problem[];
} {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (err) {
    // V8's message quotes the text around the fault: never pass it on.
    const at = /at position (\d+)/.exec(String((err as Error).message));
    const line = at ? lineAt(source, Number(at[1])) : source.split('\n').length;
    return { rows: [], institutions: [], problems: [{ line, reason: 'not valid JSON' }] };
  }
  const top = rosterJsonSchema.safeParse(data);
  if (!top.success) {
    return { rows: [], institutions: [], problems: top.error.issues.map((issue) => ({ line: 1, reason: describeIssue(issue) })) };
  }
  const lines = accountLines(source);
  const rows: RawRow[] = [];
  const problems: Problem[] = [];
  top.data.accounts.forEach((entry, index) => {
    const line = lines[index] ?? 1;
    const parsed = rosterJsonAccountSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ line, at: `accounts[${index}]`, reason: describeIssue(issue) });
      return;
    }
    const a = parsed.data;
    rows.push({
      line,
      at: `accounts[${index}]`,
      accountId: a.accountId,
      role: a.role,
      institution: a.institution,
      lastName: a.lastName,
      firstName: a.firstName,
      middleName: a.middleName ?? '',
      birthDate: a.birthDate ?? '',
      // A SNILS written as a JSON number has lost its leading zeros.
      snils: typeof a.snils === 'number' ? String(a.snils).padStart(11, '0') : (a.snils ?? ''),
      className: a.class ?? '',
      position: a.position ?? '',
      parents: a.parents ?? [],
    });
  });
  return { rows, institutions: top.data.institutions, problems };
}

/** Field path and rule of a zod issue, without the received value. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  const where = path ? `${path}: ` : '';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where}unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `${where}expected ${issue.expected}`;
    case 'too_small':
      return `${where}must not be empty`;
    default:
      return `${where}invalid value`;
  }
}

function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < source.length; k++) if (source.charCodeAt(k) === 0x0a) line++;
  return line;
}

/**
 * The line each element of the top-level `accounts` array starts on. Runs over text that JSON.parse
 * accepted, so a small scanner (strings, nesting) is enough.
 */
function accountLines(source: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let lastKey = '';
  let inAccounts = false;
  let expectValue = false;
  for (let k = 0; k < source.length; k++) {
    const c = source[k]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '"') {
      const start = k + 1;
      k++;
      while (source[k] !== '"') k += source[k] === '\\' ? 2 : 1;
      if (depth === 1) lastKey = JSON.parse(`"${source.slice(start, k)}"`) as string;
      if (inAccounts && depth === 2 && expectValue) {
        lines.push(line);
        expectValue = false;
      }
      continue;
    }
    if (inAccounts && depth === 2 && expectValue && c !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 2 && c === '[' && lastKey === 'accounts') {
        inAccounts = true;
        expectValue = true;
      }
    } else if (c === '}' || c === ']') {
      if (depth === 2 && inAccounts) inAccounts = false;
      depth--;
    } else if (c === ',' && inAccounts && depth === 2) {
      expectValue = true;
    }
  }
  return lines;
}
