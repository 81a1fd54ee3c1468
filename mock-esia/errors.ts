/**
 * ESIA's error codes as the mock returns them. `error_description` is `"<code>: <text>"` as ESIA
 * writes it; the OAuth `error` follows ESIA.md's table.
 */
export const ESIA_ERRORS = {
  'ESIA-007002': { error: 'invalid_request', text: 'The system has no certificate registered, or it does not match' },
  'ESIA-007003': { error: 'invalid_request', text: 'The request contains an invalid or duplicated parameter' },
  'ESIA-007004': { error: 'access_denied', text: 'The resource owner or authorization server denied the request' },
  'ESIA-007005': { error: 'unauthorized_client', text: 'The client is not authorized to request a token using this method' },
  'ESIA-007006': { error: 'invalid_scope', text: 'The requested scope is invalid, unknown, or malformed' },
  'ESIA-007007': { error: 'server_error', text: 'The authorization server encountered an unexpected condition' },
  'ESIA-007008': { error: 'temporarily_unavailable', text: 'The service is temporarily unavailable' },
  'ESIA-007011': { error: 'invalid_grant', text: 'The provided authorization grant is invalid, expired, revoked, or was issued to another client' },
  'ESIA-007012': { error: 'unsupported_grant_type', text: 'The authorization grant type is not supported' },
  'ESIA-007013': { error: 'invalid_scope', text: 'The request doesn`t contain the mandatory parameter [scope]' },
  'ESIA-007014': { error: 'invalid_request', text: 'The request doesn`t contain the mandatory parameter' },
  'ESIA-007015': { error: 'invalid_request', text: 'The request has a wrong time' },
  'ESIA-007019': { error: 'invalid_scope', text: 'OAuthErrorEnum.noGrants' },
  'ESIA-007023': { error: 'invalid_request', text: 'The redirect_uri is not among the allowed ones' },
  'ESIA-007053': { error: 'access_denied', text: 'OAuthErrorEnum.clientSecretWrong' },
  'ESIA-007055': { error: 'access_denied', text: 'Login with an unconfirmed account is not allowed for this system' },
} as const;

export type EsiaErrorCode = keyof typeof ESIA_ERRORS;

/** An ESIA protocol error; routes turn it into a redirect, a 400 JSON body or a page. */
export class EsiaProtocolError extends Error {
  readonly error: string;
  readonly description: string;
  constructor(
    readonly esiaCode: EsiaErrorCode,
    detail?: string,
  ) {
    const entry = ESIA_ERRORS[esiaCode];
    const description =
      esiaCode === 'ESIA-007014' ? `${esiaCode}: ${entry.text} [${detail ?? ''}].` : `${esiaCode}: ${entry.text}`;
    super(description);
    this.name = 'EsiaProtocolError';
    this.error = entry.error;
    this.description = description;
  }
}
