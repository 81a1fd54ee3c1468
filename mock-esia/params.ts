/**
 * Request checks as ESIA makes them: mandatory parameters, duplicates, timestamp format and window,
 * `state` as a UUID, `redirect_uri` by registered domain, and scopes known and approved.
 */
import { ESIA_SCOPES, type MockEsiaClientConfig } from '../config/schema.ts';
import { EsiaProtocolError } from './errors.ts';

export type Params = Record<string, string | undefined>;

/**
 * Flattens a parsed query or form into single strings. A parameter given twice is ESIA-007003;
 * `duplicates` lists such names so the caller can decide where the error goes.
 */
export function singleParams(input: Record<string, unknown>): { params: Params; duplicates: string[] } {
  const params: Params = {};
  const duplicates: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    if (Array.isArray(value)) duplicates.push(key);
    else if (typeof value === 'string') params[key] = value;
  }
  return { params, duplicates };
}

/** Throws ESIA-007014 naming every missing (or empty) parameter in brackets. */
export function requireParams(params: Params, names: readonly string[]): void {
  const missing = names.filter((n) => !params[n]);
  if (missing.length) throw new EsiaProtocolError('ESIA-007014', missing.join(', '));
}

const TIMESTAMP = /^(\d{4})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** Parses ESIA's `yyyy.MM.dd HH:mm:ss +HHMM`; undefined when malformed. */
export function parseEsiaTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(local);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return undefined;
  }
  if (Number(oh) > 14 || Number(om) > 59) return undefined;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return new Date(local - offset);
}

/** ESIA-007015 unless `timestamp` is well formed and within `windowSeconds` of `now`. */
export function checkTimestamp(timestamp: string, now: Date, windowSeconds: number): void {
  const at = parseEsiaTimestamp(timestamp);
  if (!at || Math.abs(at.getTime() - now.getTime()) > windowSeconds * 1000) {
    throw new EsiaProtocolError('ESIA-007015');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** ESIA-007003 unless `state` is a UUID. */
export function checkState(state: string): void {
  if (!UUID.test(state)) throw new EsiaProtocolError('ESIA-007003');
}

/** Whether `url` is an http(s) URL on one of `domains` (subdomains and any path allowed). */
export function isOnRegisteredDomain(url: string, domains: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password) return false;
  const host = parsed.hostname.toLowerCase();
  return domains.some((d) => {
    const domain = d.toLowerCase();
    return host === domain || host.endsWith(`.${domain}`);
  });
}

const KNOWN_SCOPES: ReadonlySet<string> = new Set(ESIA_SCOPES);

/** Splits and checks a scope string: empty → 007013, unknown → 007006, not approved → 007019. */
export function checkScopes(scope: string | undefined, client: MockEsiaClientConfig): string[] {
  const scopes = (scope ?? '').split(' ').filter(Boolean);
  if (!scopes.length) throw new EsiaProtocolError('ESIA-007013');
  if (scopes.some((s) => !KNOWN_SCOPES.has(s))) throw new EsiaProtocolError('ESIA-007006');
  const approved: ReadonlySet<string> = new Set(client.scopes);
  if (scopes.some((s) => !approved.has(s))) throw new EsiaProtocolError('ESIA-007019');
  return scopes;
}
