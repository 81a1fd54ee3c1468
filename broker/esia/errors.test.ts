/** ESIA's error descriptions parsed, and each ESIA code mapped to the family the broker branches on. */
import { describe, expect, it } from 'vitest';
import { BaseError } from '../../core/errors.ts';
import { EsiaError, esiaProtocolError, parseErrorDescription, type EsiaErrorCode } from './errors.ts';

describe('parseErrorDescription', () => {
  it('splits code and text, keeping ESIA’s back-tick and brackets', () => {
    expect(parseErrorDescription('ESIA-007014: The request doesn`t contain the mandatory parameter [state, client_id].')).toEqual({
      esiaCode: 'ESIA-007014',
      esiaText: 'The request doesn`t contain the mandatory parameter [state, client_id].',
    });
    expect(parseErrorDescription('ESIA-007053: OAuthErrorEnum.clientSecretWrong')).toEqual({
      esiaCode: 'ESIA-007053',
      esiaText: 'OAuthErrorEnum.clientSecretWrong',
    });
  });

  it('reads a code without a colon or without text', () => {
    expect(parseErrorDescription('ESIA-007011 invalid grant')).toEqual({ esiaCode: 'ESIA-007011', esiaText: 'invalid grant' });
    expect(parseErrorDescription('ESIA-007011')).toEqual({ esiaCode: 'ESIA-007011', esiaText: '' });
    expect(parseErrorDescription('  ESIA-007015:  The request has a wrong time \n')).toEqual({
      esiaCode: 'ESIA-007015',
      esiaText: 'The request has a wrong time',
    });
  });

  it('keeps a description without a code as text', () => {
    expect(parseErrorDescription('Something went wrong')).toEqual({ esiaText: 'Something went wrong' });
    expect(parseErrorDescription('see ESIA-007011: later')).toEqual({ esiaText: 'see ESIA-007011: later' });
    expect(parseErrorDescription('ESIA-07011: short code')).toEqual({ esiaText: 'ESIA-07011: short code' });
  });

  it('returns nothing for no description', () => {
    expect(parseErrorDescription(undefined)).toEqual({});
    expect(parseErrorDescription('')).toEqual({});
  });
});

describe('esiaProtocolError', () => {
  const families: Record<string, EsiaErrorCode> = {
    'ESIA-007002': 'ERR_ESIA_CONFIGURATION',
    'ESIA-007003': 'ERR_ESIA_BAD_REQUEST',
    'ESIA-007004': 'ERR_ESIA_ACCESS_DENIED',
    'ESIA-007005': 'ERR_ESIA_CONFIGURATION',
    'ESIA-007006': 'ERR_ESIA_BAD_REQUEST',
    'ESIA-007007': 'ERR_ESIA_SERVER',
    'ESIA-007008': 'ERR_ESIA_UNAVAILABLE',
    'ESIA-007011': 'ERR_ESIA_INVALID_GRANT',
    'ESIA-007012': 'ERR_ESIA_BAD_REQUEST',
    'ESIA-007013': 'ERR_ESIA_BAD_REQUEST',
    'ESIA-007014': 'ERR_ESIA_BAD_REQUEST',
    'ESIA-007015': 'ERR_ESIA_CLOCK',
    'ESIA-007019': 'ERR_ESIA_CONFIGURATION',
    'ESIA-007023': 'ERR_ESIA_CONFIGURATION',
    'ESIA-007053': 'ERR_ESIA_CONFIGURATION',
    'ESIA-007055': 'ERR_ESIA_UNCONFIRMED_ACCOUNT',
  };

  it('maps every ESIA code of ESIA.md to its family, whatever the OAuth error says', () => {
    for (const [esiaCode, code] of Object.entries(families)) {
      for (const oauth of [undefined, 'invalid_request', 'access_denied', 'server_error']) {
        const err = esiaProtocolError(oauth, `${esiaCode}: some text`, 400);
        expect({ esiaCode, oauth, code: err.code }).toEqual({ esiaCode, oauth, code });
        expect(err).toMatchObject({ esiaCode, esiaText: 'some text', oauthError: oauth, httpStatus: 400 });
      }
    }
  });

  it('falls back to the OAuth error when ESIA sent no known code', () => {
    const cases: [string, EsiaErrorCode][] = [
      ['access_denied', 'ERR_ESIA_ACCESS_DENIED'],
      ['invalid_grant', 'ERR_ESIA_INVALID_GRANT'],
      ['temporarily_unavailable', 'ERR_ESIA_UNAVAILABLE'],
      ['server_error', 'ERR_ESIA_SERVER'],
      ['unauthorized_client', 'ERR_ESIA_CONFIGURATION'],
      ['invalid_scope', 'ERR_ESIA_BAD_REQUEST'],
      ['invalid_request', 'ERR_ESIA_BAD_REQUEST'],
      ['unsupported_grant_type', 'ERR_ESIA_BAD_REQUEST'],
    ];
    for (const [oauth, code] of cases) {
      expect(esiaProtocolError(oauth, undefined).code).toBe(code);
      expect(esiaProtocolError(oauth, 'no code here').code).toBe(code);
      expect(esiaProtocolError(oauth, 'ESIA-009999: a code we do not know').code).toBe(code);
    }
  });

  it('is a server error when nothing is known', () => {
    expect(esiaProtocolError(undefined, undefined).code).toBe('ERR_ESIA_SERVER');
    expect(esiaProtocolError('something_new', 'ESIA-009999: new').code).toBe('ERR_ESIA_SERVER');
    expect(esiaProtocolError('toString', undefined).code).toBe('ERR_ESIA_SERVER');
    expect(esiaProtocolError('__proto__', 'ESIA-007099').code).toBe('ERR_ESIA_SERVER');
  });

  it('is a typed error with a cause and a message naming the ESIA code', () => {
    const err = esiaProtocolError('invalid_request', 'ESIA-007014: The request doesn`t contain the mandatory parameter [scope].', 400);
    expect(err).toBeInstanceOf(EsiaError);
    expect(err).toBeInstanceOf(BaseError);
    expect(err.name).toBe('EsiaError');
    expect(err.cause).toEqual({ oauthError: 'invalid_request', description: 'ESIA-007014: The request doesn`t contain the mandatory parameter [scope].' });
    expect(err.message).toBe('ESIA refused the request: ESIA-007014 (The request doesn`t contain the mandatory parameter [scope].)');
    expect(esiaProtocolError('access_denied', undefined).message).toBe('ESIA refused the request: access_denied');
    expect(esiaProtocolError(undefined, undefined).message).toBe('ESIA refused the request: unknown error');
  });
});
