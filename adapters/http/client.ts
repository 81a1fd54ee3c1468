/**
 * I/O of the HTTP adapter: one request per contract operation (see `openapi.json`), authenticated by a
 * fresh signed assertion (or the TLS client certificate), with every answer checked by zod. Failures
 * become AdapterErrors: network errors and 5xx → UNAVAILABLE, timeouts → TIMEOUT, 401/403 →
 * UNAUTHORIZED, anything off-contract → BAD_RESPONSE. Messages and causes never carry query values,
 * request bodies or response bodies (only the reason of a 401/403, and never for the password check).
 */
import { randomUUID } from 'node:crypto';
import type { ZodType } from 'zod';
import { createOutbound, OutboundError, type Outbound, type OutboundResponse } from '../../core/outbound.ts';
import type { Logger } from '../../core/log.ts';
import { createJwsSigner } from '../../core/jws.ts';
import { parseFast } from '../../core/fast-parse.ts';
import { AdapterError, type AdapterErrorCode } from '../errors.ts';
import type { AdapterDeps } from '../types.ts';
import type { HttpAdapterConfig, HttpJwtAuth } from './config.ts';
import { createMutualTlsTransport } from './mtls.ts';

/** The contract's operations, named as the `operationId`s of `openapi.json`. */
export type Operation =
  | 'findAccounts'
  | 'getAccount'
  | 'checkPassword'
  | 'listParents'
  | 'listChildren'
  | 'listInstitutions'
  | 'putEsiaLink'
  | 'deleteEsiaLink';

export interface ApiCall {
  readonly operation: Operation;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path below the base URL, segments already encoded (see `pathSegment`). */
  readonly path: string;
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  /** The request carries a secret: nothing the journal answers goes into errors either. */
  readonly secret?: boolean;
}

/** What an answer means to the caller: a value, or "no such account" (a 404 problem document). */
export type Answer<T> = { found: true; value: T } | { found: false };

/** Lifetime of an assertion, seconds (the contract's maximum). */
export const ASSERTION_TTL_SECONDS = 60;
/** Largest response body accepted, bytes. */
const MAX_BODY = 1024 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** An account id as one path segment, or undefined when it cannot be one (empty, `.`/`..`, too long). */
export function pathSegment(accountId: string): string | undefined {
  if (!accountId || accountId === '.' || accountId === '..' || accountId.length > 256) return undefined;
  return encodeURIComponent(accountId);
}

export class JournalApiClient {
  private constructor(
    private readonly journalId: string,
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly outbound: Outbound,
    private readonly log: Logger,
    private readonly sign: (() => Promise<string>) | undefined,
    private readonly release: () => void,
  ) {}

  static async create(journalId: string, config: HttpAdapterConfig, deps: AdapterDeps): Promise<JournalApiClient> {
    if (config.auth.type === 'jwt') {
      const sign = await createAssertionSigner(config.auth, config.baseUrl, deps.clock);
      return new JournalApiClient(journalId, config.baseUrl, config.timeoutMs, deps.outbound, deps.log, sign, () => {});
    }
    // Node's fetch cannot present a client certificate: the same outbound factory, over its own node:https agent.
    const tls = createMutualTlsTransport(config.auth);
    const outbound = createOutbound({ timeoutMs: config.timeoutMs, retries: 0, transport: tls.transport });
    return new JournalApiClient(journalId, config.baseUrl, config.timeoutMs, outbound, deps.log, undefined, tls.close);
  }

  /**
   * A JSON answer checked by `schema` (after `check`, a hand-written check of it: see `core/fast-parse.ts`);
   * with `notFound`, a 404 problem document means "no such account".
   */
  async json<T>(call: ApiCall, schema: ZodType<T>, options: { notFound?: boolean; check?: (value: unknown) => boolean } = {}): Promise<Answer<T>> {
    const { status, body, parsed, contentType } = await this.exchange(call, options.notFound ?? false);
    if (status === 404) return { found: false };
    if (status !== 200) throw this.badResponse(call, `answered HTTP ${status}`, { status });
    if (!parsed) {
      const what = JSON_TYPE.test(contentType) ? 'answered malformed JSON' : `answered ${contentType.split(';')[0] || 'no content type'} instead of JSON`;
      throw this.badResponse(call, what, { status });
    }
    const checked = options.check ? parseFast(schema, options.check, body) : schema.safeParse(body);
    if (!checked.success) {
      const issues = checked.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), code: i.code }));
      throw this.badResponse(call, 'answered JSON of the wrong shape', { status, issues });
    }
    return { found: true, value: checked.data };
  }

  /** A call answered `204 No Content` (200 is tolerated); with `notFound`, a 404 problem document returns false. */
  async noContent(call: ApiCall, options: { notFound?: boolean } = {}): Promise<boolean> {
    const { status } = await this.exchange(call, options.notFound ?? false);
    if (status === 404) return false;
    if (status !== 204 && status !== 200) throw this.badResponse(call, `answered HTTP ${status}`, { status });
    return true;
  }

  close(): void {
    this.release();
  }

  /** One request; returns its status and parsed JSON body, or throws for auth, availability and transport failures. */
  private async exchange(
    call: ApiCall,
    notFoundAllowed: boolean,
  ): Promise<{ status: number; body: unknown; parsed: boolean; contentType: string }> {
    const started = Date.now();
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (this.sign) headers.authorization = `Bearer ${await this.sign()}`;
    const query = call.query?.size ? `?${call.query.toString()}` : '';

    let response: OutboundResponse;
    try {
      response = await this.outbound(`${this.baseUrl}${call.path}${query}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      throw this.transportError(call, err);
    }
    const status = response.status;
    let text: string | undefined;
    try {
      text = await readLimited(response);
    } catch (err) {
      throw this.transportError(call, err);
    }
    if (text === undefined) throw this.badResponse(call, `answered more than ${MAX_BODY} bytes`, { status });
    this.log.debug({ journalId: this.journalId, operation: call.operation, status, ms: Date.now() - started }, 'journal call');

    const contentType = response.headers.get('content-type') ?? '';
    let body: unknown;
    let parsed = false;
    if (JSON_TYPE.test(contentType) && text) {
      try {
        body = JSON.parse(text);
        parsed = true;
      } catch {
        // The parser's message quotes the text: never a cause.
      }
    }
    const details = { status };

    if (status === 401 || status === 403) {
      // The journal's reason helps fix a key or audience; other answers might echo query values, so only this one is kept.
      const reason = call.secret || !parsed ? {} : { problem: problemSummary(body) };
      throw this.error(call, 'ERR_ADAPTER_UNAUTHORIZED', `refused our credentials (HTTP ${status})`, { ...details, ...reason });
    }
    if (status >= 500 || status === 429) throw this.error(call, 'ERR_ADAPTER_UNAVAILABLE', `answered HTTP ${status}`, details);
    if (status === 404) {
      // Only a problem document means "no such account"; any other 404 suggests a wrong base URL.
      if (notFoundAllowed && parsed) return { status, body, parsed, contentType };
      throw this.badResponse(call, 'answered HTTP 404 without a problem document (is the base URL right?)', details);
    }
    if (status === 204 || status === 200) return { status, body, parsed, contentType };
    throw this.badResponse(call, `answered HTTP ${status}`, details);
  }

  private transportError(call: ApiCall, err: unknown): AdapterError {
    const timedOut =
      (err instanceof OutboundError && err.code === 'ERR_OUTBOUND_TIMEOUT') ||
      (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError'));
    return timedOut
      ? this.error(call, 'ERR_ADAPTER_TIMEOUT', `did not answer within ${this.timeoutMs} ms`, err)
      : this.error(call, 'ERR_ADAPTER_UNAVAILABLE', 'could not be reached', err);
  }

  private badResponse(call: ApiCall, what: string, cause: unknown): AdapterError {
    return this.error(call, 'ERR_ADAPTER_BAD_RESPONSE', what, cause);
  }

  private error(call: ApiCall, code: AdapterErrorCode, what: string, cause: unknown): AdapterError {
    return new AdapterError(code, `journal ${this.journalId}: ${call.operation} ${what}`, { cause, journalId: this.journalId });
  }
}

/** Signs one assertion per call: `iss` = `sub` = client id, `aud` = base URL, 60 s, a fresh `jti`. */
async function createAssertionSigner(auth: HttpJwtAuth, audience: string, clock: () => Date): Promise<() => Promise<string>> {
  const sign = createJwsSigner(auth.privateKeyPem, auth.alg);
  const header = { typ: 'JWT', ...(auth.kid ? { kid: auth.kid } : {}) };
  return () => {
    const now = Math.floor(clock().getTime() / 1000);
    const claims = { iss: auth.clientId, sub: auth.clientId, aud: audience, iat: now, exp: now + ASSERTION_TTL_SECONDS, jti: randomUUID() };
    return Promise.resolve(sign(header, claims));
  };
}

/** The body as text; undefined when it is larger than MAX_BODY bytes. */
async function readLimited(response: OutboundResponse): Promise<string | undefined> {
  const stream = (response as Partial<Response>).body;
  if (!stream) {
    // Buffered already (the node transport, whose own limit is larger): measure it.
    const text = await response.text();
    return Buffer.byteLength(text) > MAX_BODY ? undefined : text;
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The title and detail of a problem document, shortened (for logs). */
function problemSummary(body: unknown): { title?: string; detail?: string } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { title, detail } = body as { title?: unknown; detail?: unknown };
  const cut = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : undefined);
  return { title: cut(title), detail: cut(detail) };
}
