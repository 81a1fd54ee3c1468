/**
 * Errors of the ESIA client, one code per family of ESIA error so callers branch on what to do:
 * fix the configuration, tell the user, retry later. ESIA's own code and text are kept when ESIA
 * sent them (`error_description` is `"ESIA-0070xx: text"`).
 */
import { BaseError } from '../../core/errors.ts';

export type EsiaErrorCode =
  /** The system's registration or signing is wrong (007002, 007005, 007019, 007023, 007053). */
  | 'ERR_ESIA_CONFIGURATION'
  /** The request was malformed (007003, 007006, 007012, 007013, 007014). */
  | 'ERR_ESIA_BAD_REQUEST'
  /** The user (or ESIA) declined (007004). */
  | 'ERR_ESIA_ACCESS_DENIED'
  /** The code or refresh token is invalid, expired or used (007011). */
  | 'ERR_ESIA_INVALID_GRANT'
  /** ESIA thinks our clock is off (007015). */
  | 'ERR_ESIA_CLOCK'
  /** The account is not confirmed and the system refuses such accounts (007055). */
  | 'ERR_ESIA_UNCONFIRMED_ACCOUNT'
  /** ESIA failed (007007, an unknown ESIA code) */
  | 'ERR_ESIA_SERVER'
  /** ESIA is down, overloaded or unreachable (007008, HTTP 5xx, network errors). */
  | 'ERR_ESIA_UNAVAILABLE'
  /** ESIA did not answer in time. */
  | 'ERR_ESIA_TIMEOUT'
  /** ESIA answered something that is not what the protocol says (bad JSON, wrong shape). */
  | 'ERR_ESIA_BAD_RESPONSE'
  /** The returned `state` is not the one sent. */
  | 'ERR_ESIA_STATE_MISMATCH'
  /** A token failed verification. */
  | 'ERR_ESIA_TOKEN_INVALID'
  /** REST: the access token was refused (401, ESIA-005011). */
  | 'ERR_ESIA_UNAUTHORIZED'
  /** REST: not allowed (403), e.g. a scope not granted. */
  | 'ERR_ESIA_FORBIDDEN'
  /** REST: no such object (404). */
  | 'ERR_ESIA_NOT_FOUND'
  /** Our signer failed (key, command, signing service). */
  | 'ERR_ESIA_SIGNER';

export class EsiaError extends BaseError<EsiaErrorCode> {
  /** ESIA's own code, e.g. `ESIA-007014`, when ESIA sent one. */
  readonly esiaCode?: string;
  /** ESIA's text after the code. */
  readonly esiaText?: string;
  /** The OAuth `error` ESIA sent. */
  readonly oauthError?: string;
  readonly httpStatus?: number;

  constructor(
    code: EsiaErrorCode,
    message: string,
    options: { cause: unknown; esiaCode?: string; esiaText?: string; oauthError?: string; httpStatus?: number },
  ) {
    super(code, message, options);
    this.esiaCode = options.esiaCode;
    this.esiaText = options.esiaText;
    this.oauthError = options.oauthError;
    this.httpStatus = options.httpStatus;
  }
}

const FAMILY: Readonly<Record<string, EsiaErrorCode>> = {
  'ESIA-007002': 'ERR_ESIA_CONFIGURATION',
  'ESIA-007005': 'ERR_ESIA_CONFIGURATION',
  'ESIA-007019': 'ERR_ESIA_CONFIGURATION',
  'ESIA-007023': 'ERR_ESIA_CONFIGURATION',
  'ESIA-007053': 'ERR_ESIA_CONFIGURATION',
  'ESIA-007003': 'ERR_ESIA_BAD_REQUEST',
  'ESIA-007006': 'ERR_ESIA_BAD_REQUEST',
  'ESIA-007012': 'ERR_ESIA_BAD_REQUEST',
  'ESIA-007013': 'ERR_ESIA_BAD_REQUEST',
  'ESIA-007014': 'ERR_ESIA_BAD_REQUEST',
  'ESIA-007004': 'ERR_ESIA_ACCESS_DENIED',
  'ESIA-007011': 'ERR_ESIA_INVALID_GRANT',
  'ESIA-007015': 'ERR_ESIA_CLOCK',
  'ESIA-007055': 'ERR_ESIA_UNCONFIRMED_ACCOUNT',
  'ESIA-007007': 'ERR_ESIA_SERVER',
  'ESIA-007008': 'ERR_ESIA_UNAVAILABLE',
};

const OAUTH_FAMILY: Readonly<Record<string, EsiaErrorCode>> = {
  access_denied: 'ERR_ESIA_ACCESS_DENIED',
  invalid_grant: 'ERR_ESIA_INVALID_GRANT',
  temporarily_unavailable: 'ERR_ESIA_UNAVAILABLE',
  server_error: 'ERR_ESIA_SERVER',
  unauthorized_client: 'ERR_ESIA_CONFIGURATION',
  invalid_scope: 'ERR_ESIA_BAD_REQUEST',
  invalid_request: 'ERR_ESIA_BAD_REQUEST',
  unsupported_grant_type: 'ERR_ESIA_BAD_REQUEST',
};

function lookup(table: Readonly<Record<string, EsiaErrorCode>>, key: string | undefined): EsiaErrorCode | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Splits `"ESIA-007014: The request doesn`t contain …"` into code and text. */
export function parseErrorDescription(description: string | undefined): { esiaCode?: string; esiaText?: string } {
  if (!description) return {};
  const m = /^\s*(ESIA-\d{6})\s*:?\s*([\s\S]*)$/.exec(description);
  return m ? { esiaCode: m[1], esiaText: m[2]!.trim() } : { esiaText: description.trim() };
}

/** The typed error for an OAuth error ESIA returned (redirect or token endpoint). */
export function esiaProtocolError(
  oauthError: string | undefined,
  description: string | undefined,
  httpStatus?: number,
): EsiaError {
  const { esiaCode, esiaText } = parseErrorDescription(description);
  // Own properties only: `error` comes from the callback's query, which anyone can write (`?error=toString`).
  const code = lookup(FAMILY, esiaCode) ?? lookup(OAUTH_FAMILY, oauthError) ?? 'ERR_ESIA_SERVER';
  const label = esiaCode ?? oauthError ?? 'unknown error';
  return new EsiaError(code, `ESIA refused the request: ${label}${esiaText ? ` (${esiaText})` : ''}`, {
    cause: { oauthError, description },
    esiaCode,
    esiaText,
    oauthError,
    httpStatus,
  });
}
