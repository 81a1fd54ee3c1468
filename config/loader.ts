/**
 * The single configuration loader: the only code that reads the environment and config files. It
 * merges a JSON file (`CONFIG_FILE`) with environment overrides, validates against the schema,
 * reports every problem at once with its key path, and returns a deeply frozen result.
 */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { configSchemaFor, type AdapterSchemas, type Config } from './schema.ts';
import { deepFreeze } from './freeze.ts';

/** Thrown when the configuration is invalid; `problems` lists each as `key.path: message`. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
  constructor(readonly problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`, options);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Environment variables and the config key each sets. Numbers are parsed; bad ones are reported. */
const ENV_KEYS: ReadonlyArray<readonly [string, readonly string[], 'string' | 'number' | 'hops']> = [
  ['BROKER_MODE', ['mode'], 'string'],
  ['REGION_TIME_ZONE', ['timeZone'], 'string'],
  ['REDIS_URL', ['redisUrl'], 'string'],
  ['PORT', ['broker', 'port'], 'number'],
  ['HOST', ['broker', 'host'], 'string'],
  ['PUBLIC_URL', ['broker', 'publicUrl'], 'string'],
  ['TRUST_PROXY', ['broker', 'trustProxy'], 'hops'],
  ['MOCK_ESIA_PORT', ['mockEsia', 'port'], 'number'],
  ['MOCK_ESIA_HOST', ['mockEsia', 'host'], 'string'],
  ['MOCK_ESIA_PUBLIC_URL', ['mockEsia', 'publicUrl'], 'string'],
  ['MOCK_ESIA_ADMIN_TOKEN', ['mockEsia', 'adminToken'], 'string'],
  ['MOCK_JOURNAL_PORT', ['mockJournal', 'port'], 'number'],
  ['MOCK_JOURNAL_HOST', ['mockJournal', 'host'], 'string'],
  ['MOCK_JOURNAL_PUBLIC_URL', ['mockJournal', 'publicUrl'], 'string'],
  ['MOCK_JOURNAL_BROKER_CLIENT_ID', ['mockJournal', 'brokerClientId'], 'string'],
];

export interface LoadOptions {
  /** The environment; default `process.env`. */
  env?: Env;
  /** Overrides applied last (tests, embedding). */
  overrides?: Record<string, unknown>;
  /** The adapter kinds' config schemas (from the adapter registry), to check `journals[].config`. */
  adapters?: AdapterSchemas;
}

/** Loads, validates and freezes the configuration. Throws `ConfigError` listing every problem. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};

  const file = env.CONFIG_FILE;
  if (file) {
    try {
      const path = resolve(file);
      raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      resolveFileReferences(raw, dirname(path), problems);
    } catch (err) {
      problems.push(`CONFIG_FILE: cannot read ${file} (${(err as Error).message})`);
    }
  }

  for (const [name, path, kind] of ENV_KEYS) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (kind === 'hops') {
      // `true`, `false` or a number of proxies.
      const n = Number(value);
      if (value === 'true' || value === 'false') setPath(raw, path, value === 'true');
      else if (Number.isInteger(n)) setPath(raw, path, n);
      else problems.push(`${name}: expected true, false or a number of proxies, got "${value}"`);
    } else if (kind === 'number') {
      const n = Number(value);
      if (!Number.isInteger(n)) problems.push(`${name}: expected an integer, got "${value}"`);
      else setPath(raw, path, n);
    } else {
      setPath(raw, path, value);
    }
  }
  if (options.overrides) raw = mergeDeep(raw, options.overrides);

  const parsed = configSchemaFor(options.adapters).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return deepFreeze(parsed.data);
}

/**
 * Strings of the form `{"file": "relative/path"}` in the JSON are replaced by that file's text, so
 * certificates and keys can live beside the config file.
 */
function resolveFileReferences(node: unknown, base: string, problems: string[], path: string[] = []): void {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    const here = [...path, key];
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).join() === 'file') {
      const ref = (value as { file: unknown }).file;
      try {
        (node as Record<string, unknown>)[key] = readFileSync(resolve(base, String(ref)), 'utf8');
      } catch (err) {
        problems.push(`${here.join('.')}: cannot read file ${String(ref)} (${(err as Error).message})`);
      }
    } else {
      resolveFileReferences(value, base, problems, here);
    }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const prev = out[key];
    out[key] =
      value && prev && typeof value === 'object' && typeof prev === 'object' && !Array.isArray(value)
        ? mergeDeep(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

