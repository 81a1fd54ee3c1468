/**
 * The SQL adapter's I/O: a `pg.Pool` to the journal's database. Every operation runs its configured
 * query alone, with bound parameters and the extended protocol (so one statement only), inside
 * `BEGIN READ ONLY` with a transaction-local `statement_timeout`, and is rolled back. Failures become
 * AdapterErrors: unreachable → ERR_ADAPTER_UNAVAILABLE, too slow → ERR_ADAPTER_TIMEOUT, a bad query or
 * missing columns → ERR_ADAPTER_CONFIG. Messages name the operation, never a parameter's value.
 */
import pg from 'pg';
import type { Logger } from '../../core/log.ts';
import { AdapterError, type AdapterErrorCode } from '../errors.ts';
import type { SqlAdapterConfig, SqlOperation } from './config.ts';

/** Dates and timestamps come back as the text PostgreSQL sent: no time-zone shifts through `Date`. */
const rawDates = new pg.TypeOverrides();
for (const oid of [1082 /* date */, 1114 /* timestamp */, 1184 /* timestamptz */]) rawDates.setTypeParser(oid, 'text', (v) => v);

/** Node's network errors that mean the database cannot be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EADDRNOTAVAIL']);

/** SQLSTATE classes of a database that is down, overloaded or shutting down (not our queries' fault). */
const UNAVAILABLE_CLASSES = ['08', '40', '53', '57', '58', 'XX'];

export type Row = Record<string, unknown>;

export class SqlClient {
  private readonly pool: pg.Pool;

  constructor(
    private readonly journalId: string,
    private readonly config: SqlAdapterConfig,
    private readonly log: Logger,
  ) {
    this.pool = new pg.Pool({
      ...(config.connectionString !== undefined
        ? { connectionString: config.connectionString }
        : { host: config.host, port: config.port, database: config.database, user: config.user, password: config.password }),
      max: config.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs,
      idleTimeoutMillis: config.idleTimeoutMs,
      // A client-side limit in case the server stops answering altogether; the server's own limit
      // (statement_timeout, set per transaction) normally fires first.
      query_timeout: config.statementTimeoutMs + 2_000,
      application_name: 'esia-school-broker',
      types: rawDates,
    });
    this.pool.on('error', (err) => {
      this.log.warn({ journalId, adapter: 'sql', err: err.message }, 'an idle connection to the journal database failed');
    });
  }

  /**
   * Runs `operation`'s query with `values` bound to `$1…` and returns its rows; the result must have
   * every one of `columns`. A string value containing NUL returns no rows without querying.
   */
  async run(operation: SqlOperation, values: readonly unknown[], columns: readonly string[]): Promise<Row[]> {
    const text = this.config.queries[operation];
    if (text === undefined) throw this.error('ERR_ADAPTER_CONFIG', `no query is configured for ${operation}`, { operation });
    // PostgreSQL text cannot hold NUL, so such a value matches nothing (and would fail as bad input).
    if (values.some((v) => typeof v === 'string' && v.includes('\u0000'))) return [];
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.translate(operation, err);
    }
    let broken: unknown;
    const onError = (err: unknown) => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN READ ONLY');
      await client.query({ text: "SELECT set_config('statement_timeout', $1, true)", values: [String(this.config.statementTimeoutMs)] });
      // queryMode 'extended' even without parameters: the server then refuses more than one statement.
      const query = { text, values: [...values], queryMode: 'extended' };
      const result = await client.query<Row>(query);
      const returned = new Set(result.fields.map((f) => f.name));
      const missing = columns.filter((c) => !returned.has(c));
      if (missing.length) {
        throw this.error('ERR_ADAPTER_CONFIG', `query ${operation} must return the column(s) ${missing.join(', ')} (name them with AS)`, {
          operation,
          returned: [...returned],
        });
      }
      return result.rows;
    } catch (err) {
      if (!(err instanceof AdapterError) && !(err instanceof pg.DatabaseError && err.severity === 'ERROR')) broken ??= err;
      throw this.translate(operation, err);
    } finally {
      if (!broken) await client.query('ROLLBACK').catch((err: unknown) => (broken = err));
      client.off('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  /** Closes every connection; later calls fail with ERR_ADAPTER_UNAVAILABLE. */
  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private error(code: AdapterErrorCode, message: string, cause: unknown): AdapterError {
    return new AdapterError(code, `sql adapter: ${message}`, { cause, journalId: this.journalId });
  }

  /** The AdapterError for a failure of `operation`; only SQL-describing text of the server's message is kept. */
  private translate(operation: SqlOperation, err: unknown): AdapterError {
    if (err instanceof AdapterError) return err;
    if (err instanceof pg.DatabaseError) {
      const state = err.code ?? '';
      // Server messages can quote values (`invalid input syntax for type integer: "…"`), so the cause
      // keeps only what locates the problem.
      const cause = { operation, sqlstate: state, severity: err.severity, position: err.position, routine: err.routine };
      if (state === '57014' || state === '55P03') {
        return this.error('ERR_ADAPTER_TIMEOUT', `query ${operation} took longer than statementTimeoutMs (${this.config.statementTimeoutMs} ms)`, cause);
      }
      if (state.startsWith('28')) {
        return this.error('ERR_ADAPTER_UNAUTHORIZED', `the journal database refused the adapter's credentials (SQLSTATE ${state})`, cause);
      }
      if (UNAVAILABLE_CLASSES.some((c) => state.startsWith(c))) {
        return this.error('ERR_ADAPTER_UNAVAILABLE', `the journal database failed during ${operation} (SQLSTATE ${state})`, cause);
      }
      if (state === '25006') {
        return this.error('ERR_ADAPTER_CONFIG', `query ${operation} tried to write; the adapter's queries run read-only (SQLSTATE 25006)`, cause);
      }
      if (state === '3D000') {
        return this.error('ERR_ADAPTER_CONFIG', `the configured database does not exist (SQLSTATE 3D000)`, cause);
      }
      if (state.startsWith('42')) {
        // Syntax and name errors describe the query's text, not the values bound to it.
        return this.error('ERR_ADAPTER_CONFIG', `query ${operation} is invalid: ${err.message} (SQLSTATE ${state})`, cause);
      }
      if (state.startsWith('22')) {
        return this.error(
          'ERR_ADAPTER_CONFIG',
          `query ${operation} failed on a value (SQLSTATE ${state}); compare parameters as text, e.g. id::text = $1`,
          cause,
        );
      }
      return this.error('ERR_ADAPTER_CONFIG', `query ${operation} failed (SQLSTATE ${state})`, cause);
    }
    const code = systemErrorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'ETIMEDOUT' || /timeout/i.test(message)) {
      return this.error('ERR_ADAPTER_TIMEOUT', `the journal database did not answer in time during ${operation}`, err);
    }
    if (code && UNREACHABLE.has(code)) {
      return this.error('ERR_ADAPTER_UNAVAILABLE', `the journal database is unreachable (${code}) during ${operation}`, err);
    }
    return this.error('ERR_ADAPTER_UNAVAILABLE', `the journal database failed during ${operation}: ${message}`, err);
  }
}

/** `ECONNREFUSED` and the like, also from Node's AggregateError of several addresses tried. */
function systemErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (err instanceof AggregateError) return err.errors.map(systemErrorCode).find(Boolean);
  return undefined;
}
