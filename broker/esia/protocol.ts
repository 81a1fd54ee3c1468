/**
 * ESIA's wire details: the request timestamp format and the strings that `client_secret` signs.
 * Written from ESIA.md independently of mock-esia's checks, so the two catch each other's mistakes.
 */

/** `yyyy.MM.dd HH:mm:ss +HHMM`, in the given UTC offset (minutes; default +03:00, Moscow time). */
export function formatEsiaTimestamp(at: Date, offsetMinutes = 180): string {
  const local = new Date(at.getTime() + offsetMinutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${local.getUTCFullYear()}.${pad(local.getUTCMonth() + 1)}.${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

export interface SignedFields {
  clientId: string;
  scope: string;
  scopeOrg?: string;
  timestamp: string;
  state: string;
  redirectUri?: string;
}

/** v2 authorization: `client_id + scope [+ scope_org] + timestamp + state + redirect_uri`. */
export function v2AuthorizationSignedString(f: SignedFields): string {
  return [f.clientId, f.scope, f.scopeOrg ?? '', f.timestamp, f.state, f.redirectUri ?? ''].join('');
}

/** v3 code exchange: the v2 string followed by the code. */
export function v3CodeSignedString(f: SignedFields & { code: string }): string {
  return v2AuthorizationSignedString(f) + f.code;
}

/** v3 refresh; ESIA.md records two variants, picked by configuration. */
export function v3RefreshSignedString(
  f: SignedFields & { refreshToken: string },
  variant: 'redirect_uri' | 'refresh_token',
): string {
  const tail = variant === 'refresh_token' ? f.refreshToken : (f.redirectUri ?? '');
  return [f.clientId, f.scope, f.timestamp, f.state, tail].join('');
}

/** v3 client_credentials: `client_id + scope + timestamp + state`. */
export function v3ClientCredentialsSignedString(f: SignedFields): string {
  return [f.clientId, f.scope, f.timestamp, f.state].join('');
}

/** v1 (`/ac`, `/te`): `scope + timestamp + client_id + state`. */
export function v1SignedString(f: SignedFields): string {
  return [f.scope, f.timestamp, f.clientId, f.state].join('');
}

/** Hosts and issuers of ESIA's environments. */
export const ESIA_ENVIRONMENTS = {
  test: { baseUrl: 'https://esia-portal1.test.gosuslugi.ru', issuer: 'http://esia-portal1.test.gosuslugi.ru/' },
  production: { baseUrl: 'https://esia.gosuslugi.ru', issuer: 'http://esia.gosuslugi.ru/' },
} as const;

/** The issuer ESIA would write for a custom base URL (e.g. mock-esia): `http://<host>/`. */
export function issuerFor(baseUrl: string): string {
  return `http://${new URL(baseUrl).host}/`;
}
