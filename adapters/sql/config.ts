/**
 * Configuration of an SQL adapter: read-only access to a journal's own (legacy) PostgreSQL database
 * through one query per operation, written by the region for that journal's schema. Unknown keys are
 * rejected.
 *
 * Every query is SQL text with numbered parameters (`$1`, `$2`, …) that the adapter binds — values are
 * never spliced into the text. Each runs alone in a `READ ONLY` transaction with `statement_timeout`,
 * so a query that tries to write fails. A query may return more rows than asked (say, everyone born
 * that day): the adapter keeps only rows that match by the shared rules of `../normalize.ts`. It
 * should return only accounts that may log in (filter disabled or deleted accounts in SQL).
 *
 * ## Account columns
 * `findBySnils`, `findByFullName`, `getAccount`, `verifyPasswordLookup`, `parentsOf` and `childrenOf`
 * return accounts: every one of these columns must be in the result (name them with `AS`); those
 * marked nullable may be NULL.
 * - `account_id` (text or integer): the journal's account id, what tokens name as `sub`;
 * - `role` (text or integer): the journal's own role value, translated by `roleMap`;
 * - `institution_id` (text or integer), `institution_name` (text): the account's school;
 * - `last_name`, `first_name` (text), `middle_name` (text, nullable): as the school typed them;
 * - `birth_date` (`date`, or text `yyyy-MM-dd` / `dd.MM.yyyy`; nullable);
 * - `snils` (text in any common writing; nullable; invalid values are ignored): write a numeric column
 *   as `lpad(snils::text, 11, '0')`;
 * - `class_name` (text, nullable): a pupil's class such as `9А`;
 * - `position` (text, nullable): a staff member's position.
 */
import { z } from 'zod';
import type { Role } from '../types.ts';

/** The highest PBKDF2 iteration count accepted from configuration or a stored value. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/**
 * The queries, one per operation. Parameters, in order:
 * - `findBySnils`: `$1` the SNILS as 11 digits (compare against the digits of the stored value, e.g.
 *   `regexp_replace(snils, '\D', '', 'g') = $1`), `$2` the journal's role values for the role asked
 *   (`text[]`: `role = ANY($2)`, or `role::text = ANY($2)` for numeric codes).
 * - `findByFullName`: `$1` last name, `$2` first name, `$3` patronymic (`''` when there is none), each
 *   already in comparison form (lower case, `ё` → `е`, dashes and runs of spaces → one space, trimmed;
 *   bring the stored names to that form in SQL), `$4` the birth date (text `yyyy-MM-dd`: `$4::date`),
 *   `$5` the role values (`text[]`).
 * - `getAccount`: `$1` the account id (text: cast numeric ids, `id::text = $1`).
 * - `verifyPasswordLookup`: `$1` the login, trimmed and lower-cased (`lower(btrim(login)) = $1`). At most
 *   one row: the account columns plus `password_hash` (text) and optionally `password_salt` (text) and
 *   `password_format` (text: one of `bcrypt`, `pbkdf2-sha256`, `salted-sha256`, `salted-sha1`,
 *   `salted-md5`, overriding `passwordFormat` for that row; NULL keeps it). Two or more rows refuse.
 * - `parentsOf`: `$1` a pupil's account id; the pupil's parents. `childrenOf`: `$1` a parent's account
 *   id; the parent's children. Configure both or neither.
 * - `institutions`: no parameters; columns `institution_id`, `institution_name` and `municipality`
 *   (nullable).
 */
export const sqlQueriesSchema = z
  .object({
    findBySnils: z.string().trim().min(1),
    findByFullName: z.string().trim().min(1),
    getAccount: z.string().trim().min(1),
    verifyPasswordLookup: z.string().trim().min(1),
    parentsOf: z.string().trim().min(1).optional(),
    childrenOf: z.string().trim().min(1).optional(),
    institutions: z.string().trim().min(1),
  })
  .strict()
  .refine((q) => (q.parentsOf === undefined) === (q.childrenOf === undefined), {
    message: 'configure both parentsOf and childrenOf, or neither',
    path: ['childrenOf'],
  });

/** How a stored digest is written. */
const hashEncodingSchema = z.enum(['hex', 'base64']);
/** How a stored salt's text becomes bytes: taken as UTF-8 text, or decoded from hex / base64. */
const saltEncodingSchema = z.enum(['utf8', 'hex', 'base64']);

/** Salted digests: `digest(salt ‖ password)` (`prefix`) or `digest(password ‖ salt)` (`suffix`). */
const saltedOptions = {
  saltPosition: z.enum(['prefix', 'suffix']),
  saltEncoding: saltEncodingSchema.default('utf8'),
};

/**
 * PBKDF2-HMAC-SHA256 values stored bare: the derived key in `password_hash`, the salt in
 * `password_salt`, the iteration count here (the key length is the stored key's).
 */
const bareKeyOptions = {
  iterations: z.number().int().min(1).max(MAX_PBKDF2_ITERATIONS),
  hashEncoding: hashEncodingSchema.default('hex'),
  saltEncoding: saltEncodingSchema.default('utf8'),
};

/**
 * How the journal stores passwords: `password_hash` (and `password_salt`) from `verifyPasswordLookup`.
 * - `bcrypt`: `$2a$`, `$2b$` or `$2y$` values, cost up to 16.
 * - `pbkdf2-sha256`: self-describing values — Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 key>`
 *   or passlib's `$pbkdf2-sha256$<iterations>$<salt>$<key>` — or bare derived keys, for which
 *   `iterations` (and the encodings) must be given.
 * - `salted-sha256`, `salted-sha1`, `salted-md5`: `digest(salt ‖ password)` or `digest(password ‖ salt)`
 *   (see `saltPosition`) written in `hashEncoding`; a NULL salt means an unsalted digest.
 * - `auto`: each value's shape decides — `$2a$`/`$2b$`/`$2y$` bcrypt; `pbkdf2_sha256$…` and
 *   `$pbkdf2-sha256$…` PBKDF2; 32, 40 or 64 hex digits (or 24, 28, 44 base-64 characters) salted
 *   MD5, SHA-1 or SHA-256 with the `salted` options. Bare PBKDF2 keys look like SHA-256 digests, so
 *   rows holding them must say so in `password_format`; they use the `pbkdf2` options.
 */
export const passwordFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bcrypt') }).strict(),
  z
    .object({
      type: z.literal('pbkdf2-sha256'),
      ...bareKeyOptions,
      iterations: bareKeyOptions.iterations.optional(),
    })
    .strict(),
  z
    .object({
      type: z.enum(['salted-sha256', 'salted-sha1', 'salted-md5']),
      ...saltedOptions,
      hashEncoding: hashEncodingSchema.default('hex'),
    })
    .strict(),
  z
    .object({
      type: z.literal('auto'),
      /** For values recognized as salted digests (required when there are any). */
      salted: z.object(saltedOptions).strict().optional(),
      /** For rows whose `password_format` says `pbkdf2-sha256` but whose value is a bare key. */
      pbkdf2: z.object(bareKeyOptions).strict().optional(),
    })
    .strict(),
]);

/** Journal role value (as text; numeric codes written as strings, e.g. `"1"`) → our role. */
export const roleMapSchema = z
  .record(z.string().min(1), z.enum(['parent', 'pupil', 'staff'] satisfies Role[]))
  .refine((m) => Object.keys(m).length > 0, 'map at least one journal role value');

export const sqlConfigSchema = z
  .object({
    /** `postgres://user@host:5432/database`; or give `host`, `port`, `database`, `user`, `password`. */
    connectionString: z.string().trim().min(1).optional(),
    host: z.string().trim().min(1).optional(),
    /** Default 5432. */
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().trim().min(1).optional(),
    /**
     * A role with SELECT rights only, on the tables the queries read. Without `password` (and without
     * one in `connectionString`) the driver uses `PGPASSWORD` or `~/.pgpass`, as psql does.
     */
    user: z.string().trim().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Connections kept open to the journal's database at most. */
    poolSize: z.number().int().min(1).max(100).default(5),
    /** Each query's time limit on the server (`statement_timeout`), milliseconds. */
    statementTimeoutMs: z.number().int().min(1).max(60_000).default(3_000),
    /** How long to wait for a connection (new or from the pool), milliseconds. */
    connectTimeoutMs: z.number().int().min(1).max(60_000).default(3_000),
    /** Idle connections are closed after this long, milliseconds. */
    idleTimeoutMs: z.number().int().min(1_000).default(30_000),
    queries: sqlQueriesSchema,
    roleMap: roleMapSchema,
    passwordFormat: passwordFormatSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.connectionString === undefined && c.host === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give connectionString, or host and database', path: ['connectionString'] });
    }
    if (c.connectionString !== undefined && (c.host ?? c.port ?? c.database ?? c.user ?? c.password) !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give connectionString or host/port/database/user/password, not both', path: ['connectionString'] });
    }
    if (c.host !== undefined && c.database === undefined) {
      ctx.addIssue({ code: 'custom', message: 'database is required with host', path: ['database'] });
    }
  });

export type SqlAdapterConfig = z.infer<typeof sqlConfigSchema>;
export type SqlQueries = z.infer<typeof sqlQueriesSchema>;
export type PasswordFormatConfig = z.infer<typeof passwordFormatSchema>;
/** An operation: a key of `queries`. */
export type SqlOperation = keyof SqlQueries;
