/**
 * A virtual user: a relying party and its user's browser doing one whole login, as a journal and a
 * person would: the authorization request with PKCE (S256), state and nonce; the broker's interaction
 * (the role given in the request); the ESIA login and consent pages when ESIA has no session yet; the
 * callback; the code exchanged at the token endpoint (client_secret_basic); userinfo. Every step is
 * checked, so a broken login counts as an error, never as a login.
 */
import { createHash, randomBytes } from 'node:crypto';
import { browse, CookieJar, http, postForm, type HttpResponse } from './http.ts';

export interface RelyingParty {
  /** The OpenID Provider's base URL (the broker, or the bare provider). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scope: string;
  /** Extra authorization parameters (`role`, `prompt`). */
  readonly extra?: Record<string, string>;
}

export interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token?: string;
}

const random = () => randomBytes(16).toString('base64url');

function fail(step: string, response: HttpResponse): never {
  throw new Error(`${step}: HTTP ${response.status}${response.location ? ` → ${new URL(response.location).pathname}` : ''} ${response.body.slice(0, 200)}`);
}

/** One whole login: a fresh session at the provider (the ESIA session, if any, stays in `jar`). */
export async function login(rp: RelyingParty, jar: CookieJar, persona: string): Promise<TokenSet> {
  jar.clear(rp.issuer);
  const verifier = randomBytes(32).toString('base64url');
  const state = random();
  const query = new URLSearchParams({
    client_id: rp.clientId,
    redirect_uri: rp.redirectUri,
    response_type: 'code',
    scope: rp.scope,
    state,
    nonce: random(),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...rp.extra,
  });
  let response = await browse(jar, `${rp.issuer}/auth?${query}`);
  let code: string | undefined;
  for (let hop = 0; hop < 20 && !code; hop++) {
    const to = response.location;
    if (!to || response.status < 300 || response.status >= 400) fail('login', response);
    if (to.startsWith(rp.redirectUri)) {
      const params = new URL(to).searchParams;
      if (params.get('state') !== state || !params.get('code')) fail(`callback (${params.get('error_description') ?? params.get('error')})`, response);
      code = params.get('code')!;
      break;
    }
    const at = new URL(to);
    if (at.pathname === '/login' && !to.startsWith(rp.issuer)) {
      response = await postForm(jar, `${at.origin}/login`, { req: at.searchParams.get('req')!, persona });
    } else if (at.pathname === '/consent' && !to.startsWith(rp.issuer)) {
      response = await postForm(jar, `${at.origin}/consent`, { req: at.searchParams.get('req')!, decision: 'allow' });
    } else {
      response = await browse(jar, to);
    }
  }
  if (!code) throw new Error('login: too many redirects');
  const tokens = await tokenRequest(rp, { grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, code_verifier: verifier });
  const userinfo = await http(`${rp.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  if (userinfo.status !== 200 || !(JSON.parse(userinfo.body) as { sub?: string }).sub) fail('userinfo', userinfo);
  return tokens;
}

/** A token request with client_secret_basic; the answer must carry an access token and an ID token. */
export async function tokenRequest(rp: RelyingParty, form: Record<string, string>): Promise<TokenSet> {
  const basic = Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret)}`).toString('base64');
  const response = await http(`${rp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  if (response.status !== 200) fail(`token (${form.grant_type})`, response);
  const tokens = JSON.parse(response.body) as TokenSet;
  if (!tokens.access_token || !tokens.id_token) fail(`token (${form.grant_type}): no tokens`, response);
  return tokens;
}

export { CookieJar };
