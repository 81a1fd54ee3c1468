/**
 * The ESIA client the broker uses: builds the v2 authorization URL (v1 as an option), reads the
 * callback, exchanges the code at v3 `te` with a fresh state and checks the returned one, refreshes,
 * builds the logout URL, and reads the person with `embed` as the granted scopes allow. Every
 * response is validated; every token verified; every failure a typed EsiaError.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Outbound, OutboundResponse } from '../../core/outbound.ts';
import { OutboundError } from '../../core/outbound.ts';
import { EsiaError, esiaProtocolError } from './errors.ts';
import { parseFast } from '../../core/fast-parse.ts';
import { isPersonResponse, isTokenResponse, personCollections } from './fast-shapes.ts';
import { esiaPersonSchema, collectionSchema, esiaKidSchema, type EsiaPerson, type EsiaKid } from './person.ts';
import {
  formatEsiaTimestamp,
  v1SignedString,
  v2AuthorizationSignedString,
  v3ClientCredentialsSignedString,
  v3CodeSignedString,
  v3RefreshSignedString,
  type SignedFields,
} from './protocol.ts';
import { signerCertificateHash, signerError, type Signer } from './signer.ts';
import type { TokenVerifier, VerifiedAccessToken, VerifiedIdToken } from './verifier.ts';

export interface EsiaClientOptions {
  /** ESIA's base URL (no trailing slash needed). */
  baseUrl: string;
  /** The system's mnemonic (`client_id`). */
  mnemonic: string;
  signer: Signer;
  verifier: TokenVerifier;
  outbound: Outbound;
  /** Scopes asked for by default. */
  scopes: readonly string[];
  /** `v2` (default): `/v2/ac` + `/v3/te`; `v1`: `/ac` + `/te` with CMS secrets. */
  protocol?: 'v1' | 'v2';
  /** The v3 refresh signed-string variant (ESIA.md `[?]`). */
  refreshSecret?: 'redirect_uri' | 'refresh_token';
  /** UTC offset of request timestamps, minutes (default 180). */
  timestampOffsetMinutes?: number;
  clock?: () => Date;
  /** Told the duration and result of every ESIA call and signature (metrics); the client knows no metrics library. */
  observer?: EsiaObserver;
}

/** What the client reports for metrics: no personal data, only endpoints, codes and durations. */
export interface EsiaObserver {
  /** One ESIA HTTP call: `endpoint` is `token`, `person` or `kids`; `code` is `ok` or the EsiaError code. */
  request(event: { endpoint: string; code: string; seconds: number }): void;
  /** One signature by the signer (`kind`). */
  sign(event: { signer: string; ok: boolean; seconds: number }): void;
}

export interface AuthorizationRequest {
  redirectUri: string;
  scopes?: readonly string[];
  /** Default: a fresh UUID. */
  state?: string;
  accessType?: 'online' | 'offline';
  scopeOrg?: string;
  /** PKCE S256 challenge, where the system uses PKCE with ESIA. */
  codeChallenge?: string;
}

export interface EsiaTokenSet {
  readonly accessToken: string;
  readonly idToken?: string;
  readonly refreshToken?: string;
  readonly expiresIn: number;
  readonly access: VerifiedAccessToken;
  readonly id?: VerifiedIdToken;
}

export const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    id_token: z.string().min(1).optional(),
    refresh_token: z.string().min(1).optional(),
    state: z.string(),
    token_type: z.string().optional(),
    expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]),
  });

const errorResponseSchema = z.object({ error: z.string(), error_description: z.string().optional() }).loose();

export class EsiaClient {
  private readonly baseUrl: string;
  private readonly clock: () => Date;
  private readonly certificateHash: string;

  constructor(private readonly options: EsiaClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? (() => new Date());
    this.certificateHash = signerCertificateHash(options.signer);
  }

  /** The scopes a login asks for unless the request names others. */
  get scopes(): readonly string[] {
    return this.options.scopes;
  }

  private timestamp(): string {
    return formatEsiaTimestamp(this.clock(), this.options.timestampOffsetMinutes);
  }

  private async signRaw(text: string): Promise<string> {
    const signer = this.options.signer;
    return Buffer.from(await this.timedSign(signer.sign, signer, Buffer.from(text, 'utf8'))).toString('base64url');
  }

  /**
   * Runs `sign` (a signer's method) on `data`, reporting its duration to the observer. The method and
   * its receiver come apart rather than as a closure made per call: see core/deadline.ts.
   */
  private async timedSign(sign: (data: Uint8Array) => Promise<Uint8Array>, signer: Signer, data: Uint8Array): Promise<Uint8Array> {
    const observer = this.options.observer;
    if (!observer) return sign.call(signer, data);
    const started = performance.now();
    let ok = false;
    try {
      const signature = await sign.call(signer, data);
      ok = true;
      return signature;
    } finally {
      observer.sign({ signer: this.options.signer.kind, ok, seconds: (performance.now() - started) / 1000 });
    }
  }

  /**
   * Waits for one ESIA call, started at `started` (`performance.now()`), reporting its duration and
   * result code to the observer. The call comes as its promise, not as a closure made per call: see
   * core/deadline.ts.
   */
  private async timed<T>(endpoint: string, started: number, pending: Promise<T>): Promise<T> {
    const observer = this.options.observer;
    if (!observer) return pending;
    let code = 'ok';
    try {
      return await pending;
    } catch (err) {
      code = err instanceof EsiaError ? err.code : 'ERR_UNKNOWN';
      throw err;
    } finally {
      observer.request({ endpoint, code, seconds: (performance.now() - started) / 1000 });
    }
  }

  private async signCms(text: string): Promise<string> {
    const signer = this.options.signer;
    if (!signer.signDetached) throw signerError(signer.kind, 'this signer cannot make a detached CMS (needed for v1)', 'no signDetached');
    return Buffer.from(await this.timedSign(signer.signDetached, signer, Buffer.from(text, 'utf8'))).toString('base64url');
  }

  /** The URL to send the browser to, and the state to expect back. */
  async buildAuthorizationUrl(request: AuthorizationRequest): Promise<{ url: string; state: string }> {
    const state = request.state ?? randomUUID();
    const scope = (request.scopes ?? this.options.scopes).join(' ');
    const timestamp = this.timestamp();
    const fields = { clientId: this.options.mnemonic, scope, scopeOrg: request.scopeOrg, timestamp, state, redirectUri: request.redirectUri };
    const v1 = this.options.protocol === 'v1';
    const params = new URLSearchParams({
      client_id: this.options.mnemonic,
      client_secret: v1 ? await this.signCms(v1SignedString(fields)) : await this.signRaw(v2AuthorizationSignedString(fields)),
      redirect_uri: request.redirectUri,
      scope,
      response_type: 'code',
      state,
      timestamp,
      access_type: request.accessType ?? 'online',
    });
    if (!v1) params.set('client_certificate_hash', this.certificateHash);
    if (request.scopeOrg) params.set('scope_org', request.scopeOrg);
    if (request.codeChallenge) {
      params.set('code_challenge', request.codeChallenge);
      params.set('code_challenge_method', 'S256');
    }
    return { url: `${this.baseUrl}/aas/oauth2/${v1 ? 'ac' : 'v2/ac'}?${params}`, state };
  }

  /**
   * Reads the callback's query: the code, or the typed error ESIA sent. The state must be the one we
   * sent (compare in the caller's single-use store too: this only checks equality).
   */
  parseCallback(query: URLSearchParams, expectedState: string): { code: string } {
    const state = query.get('state');
    const error = query.get('error');
    if (error) {
      const err = esiaProtocolError(error, query.get('error_description') ?? undefined);
      if (state !== null && state !== expectedState) throw this.stateMismatch();
      throw err;
    }
    if (state !== expectedState) throw this.stateMismatch();
    const code = query.get('code');
    if (!code || code.length > 8192) throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'callback without a code', { cause: 'no code' });
    return { code };
  }

  private stateMismatch(): EsiaError {
    return new EsiaError('ERR_ESIA_STATE_MISMATCH', 'the callback state is not the one sent', { cause: 'state mismatch' });
  }

  /** Exchanges an authorization code for verified tokens. */
  async exchangeCode(input: { code: string; redirectUri: string; scopes?: readonly string[]; codeVerifier?: string }): Promise<EsiaTokenSet> {
    const fields = this.freshFields(input.scopes, input.redirectUri);
    const form: Record<string, string> = { code: input.code, grant_type: 'authorization_code', redirect_uri: input.redirectUri };
    if (input.codeVerifier) form.code_verifier = input.codeVerifier;
    return this.grant(form, fields, v3CodeSignedString({ ...fields, code: input.code }), true);
  }

  /** Exchanges a refresh token (rotated by ESIA: keep the new one). */
  async refresh(input: { refreshToken: string; redirectUri: string; scopes?: readonly string[] }): Promise<EsiaTokenSet> {
    const fields = this.freshFields(input.scopes, input.redirectUri);
    const form = { refresh_token: input.refreshToken, grant_type: 'refresh_token', redirect_uri: input.redirectUri };
    const signed = v3RefreshSignedString({ ...fields, refreshToken: input.refreshToken }, this.options.refreshSecret ?? 'redirect_uri');
    return this.grant(form, fields, signed, false);
  }

  /** A token for the system itself (v3 only). */
  async clientCredentials(scopes: readonly string[]): Promise<EsiaTokenSet> {
    const fields = this.freshFields(scopes);
    return this.grant({ grant_type: 'client_credentials' }, fields, v3ClientCredentialsSignedString(fields), false, true);
  }

  /** A new state and timestamp for one token request. */
  private freshFields(scopes: readonly string[] | undefined, redirectUri?: string): SignedFields {
    const scope = (scopes ?? this.options.scopes).join(' ');
    return { clientId: this.options.mnemonic, scope, timestamp: this.timestamp(), state: randomUUID(), redirectUri };
  }

  /**
   * Completes a token request's form with the fields every grant sends and the signed secret (v3: the
   * grant's own signed string; v1: the CMS over the v1 string), then posts it.
   */
  private async grant(
    form: Record<string, string>,
    fields: SignedFields,
    v3Signed: string,
    expectIdToken: boolean,
    v3Only = false,
  ): Promise<EsiaTokenSet> {
    const v1 = this.options.protocol === 'v1' && !v3Only;
    const full: Record<string, string> = {
      client_id: this.options.mnemonic,
      ...form,
      client_secret: v1 ? await this.signCms(v1SignedString(fields)) : await this.signRaw(v3Signed),
      state: fields.state,
      scope: fields.scope,
      timestamp: fields.timestamp,
      token_type: 'Bearer',
    };
    if (!v1) full.client_certificate_hash = this.certificateHash;
    // Arguments are evaluated in order: the clock is read before the request starts.
    return this.timed('token', performance.now(), this.tokenRequest(full, fields.state, expectIdToken, v1));
  }

  private async tokenRequest(form: Record<string, string>, state: string, expectIdToken: boolean, v1: boolean): Promise<EsiaTokenSet> {
    const path = v1 ? '/aas/oauth2/te' : '/aas/oauth2/v3/te';
    const response = await this.call(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
    const body = await readJson(response);
    if (response.status !== 200) {
      const parsed = errorResponseSchema.safeParse(body);
      if (parsed.success) throw esiaProtocolError(parsed.data.error, parsed.data.error_description, response.status);
      throw badResponse(`token endpoint answered HTTP ${response.status}`, response.status);
    }
    const parsed = parseFast(tokenResponseSchema, isTokenResponse, body);
    if (!parsed.success) throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'token response has an unexpected shape', { cause: parsed.error });
    const t = parsed.data;
    if (t.state !== state) throw this.stateMismatch();
    const access = this.options.verifier.verifyAccessToken(t.access_token);
    const id = t.id_token ? this.options.verifier.verifyIdToken(t.id_token) : undefined;
    if (expectIdToken && form.scope?.split(' ').includes('openid') && !id) {
      throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'no id_token although openid was asked', { cause: 'missing id_token' });
    }
    if (id && id.oid !== access.oid) throw new EsiaError('ERR_ESIA_TOKEN_INVALID', 'id and access tokens name different people', { cause: 'oid mismatch' });
    return { accessToken: t.access_token, idToken: t.id_token, refreshToken: t.refresh_token, expiresIn: t.expires_in, access, id };
  }

  /** ESIA's logout URL: the browser goes there and comes back to `redirectUrl`. */
  logoutUrl(redirectUrl?: string): string {
    const params = new URLSearchParams({ client_id: this.options.mnemonic });
    if (redirectUrl) params.set('redirect_url', redirectUrl);
    return `${this.baseUrl}/idp/ext/Logout?${params}`;
  }

  /**
   * Reads the person the token belongs to, embedding contacts, documents and children as the token's
   * scopes allow.
   */
  async fetchPerson(tokens: Pick<EsiaTokenSet, 'accessToken' | 'access'>): Promise<EsiaPerson> {
    const { oid, scopes } = tokens.access;
    const granted = new Set(scopes);
    const embed: string[] = [];
    if (['email', 'mobile', 'contacts'].some((s) => granted.has(s))) embed.push('contacts.elements');
    if (granted.has('id_doc')) embed.push('documents.elements');
    if (granted.has('addresses')) embed.push('addresses.elements');
    if (scopes.some((s) => s.startsWith('kid_'))) embed.push('kids.elements');
    const query = embed.length ? `?embed=(${embed.join(',')})` : '';
    const body = await this.timed('person', performance.now(), this.rest(`/rs/prns/${oid}${query}`, tokens.accessToken));
    const parsed = parseFast(esiaPersonSchema, isPersonResponse, body);
    if (!parsed.success) throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'person has an unexpected shape', { cause: parsed.error });
    const p = parsed.data;
    return {
      oid,
      firstName: p.firstName,
      lastName: p.lastName,
      middleName: p.middleName,
      birthDate: p.birthDate,
      gender: p.gender,
      snils: p.snils,
      inn: p.inn,
      trusted: p.trusted === true,
      deleted: p.status === 'DELETED',
      ...personCollections(p),
    };
  }

  /** The person's children (the `kid_*` scopes), each with their documents where granted. */
  async fetchKids(tokens: Pick<EsiaTokenSet, 'accessToken' | 'access'>): Promise<EsiaKid[]> {
    const body = await this.timed('kids', performance.now(), this.rest(`/rs/prns/${tokens.access.oid}/kids?embed=(elements)`, tokens.accessToken));
    const parsed = collectionSchema(esiaKidSchema).safeParse(body);
    if (!parsed.success) throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'kids have an unexpected shape', { cause: parsed.error });
    return parsed.data.elements.filter((e): e is EsiaKid => typeof e !== 'string');
  }

  private async rest(path: string, accessToken: string): Promise<unknown> {
    const response = await this.call(`${this.baseUrl}${path}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    if (response.status === 401) return failRest(response, 'ERR_ESIA_UNAUTHORIZED');
    if (response.status === 403) return failRest(response, 'ERR_ESIA_FORBIDDEN');
    if (response.status === 404) return failRest(response, 'ERR_ESIA_NOT_FOUND');
    if (response.status !== 200) {
      await response.body?.cancel();
      throw unavailableOrBad(response.status);
    }
    return readJson(response);
  }

  private async call(url: string, init: Parameters<Outbound>[1]): Promise<OutboundResponse> {
    let response: OutboundResponse;
    try {
      response = await this.options.outbound(url, init);
    } catch (err) {
      if (err instanceof OutboundError && err.code === 'ERR_OUTBOUND_TIMEOUT') {
        throw new EsiaError('ERR_ESIA_TIMEOUT', 'ESIA did not answer in time', { cause: err });
      }
      throw new EsiaError('ERR_ESIA_UNAVAILABLE', 'ESIA is unreachable', { cause: err });
    }
    if (response.status >= 500) {
      const body = await readJson(response).catch(() => undefined);
      const parsed = errorResponseSchema.safeParse(body);
      if (parsed.success) throw esiaProtocolError(parsed.data.error, parsed.data.error_description, response.status);
      throw unavailableOrBad(response.status);
    }
    return response;
  }
}

function unavailableOrBad(status: number): EsiaError {
  return status >= 500
    ? new EsiaError('ERR_ESIA_UNAVAILABLE', `ESIA answered HTTP ${status}`, { cause: status, httpStatus: status })
    : badResponse(`ESIA answered HTTP ${status}`, status);
}

function badResponse(message: string, status?: number): EsiaError {
  return new EsiaError('ERR_ESIA_BAD_RESPONSE', message, { cause: status, httpStatus: status });
}

async function failRest(response: OutboundResponse, code: 'ERR_ESIA_UNAUTHORIZED' | 'ERR_ESIA_FORBIDDEN' | 'ERR_ESIA_NOT_FOUND'): Promise<never> {
  const body = (await readJson(response).catch(() => undefined)) as { code?: unknown; message?: unknown } | undefined;
  const esiaCode = typeof body?.code === 'string' ? body.code : undefined;
  throw new EsiaError(code, `ESIA REST answered HTTP ${response.status}${esiaCode ? ` (${esiaCode})` : ''}`, {
    cause: body ?? response.status,
    esiaCode,
    esiaText: typeof body?.message === 'string' ? body.message : undefined,
    httpStatus: response.status,
  });
}

async function readJson(response: OutboundResponse): Promise<unknown> {
  const text = await response.text();
  if (text.length > 1_000_000) throw badResponse('ESIA response is too large', response.status);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EsiaError('ERR_ESIA_BAD_RESPONSE', 'ESIA answered malformed JSON', { cause: err, httpStatus: response.status });
  }
}
