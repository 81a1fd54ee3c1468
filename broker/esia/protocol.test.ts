/**
 * ESIA's wire details: the request timestamp and the strings `client_secret` signs, checked against
 * hand-written expectations taken from ESIA.md (not computed with the code under test).
 */
import { describe, expect, it } from 'vitest';
import {
  ESIA_ENVIRONMENTS,
  formatEsiaTimestamp,
  issuerFor,
  v1SignedString,
  v2AuthorizationSignedString,
  v3ClientCredentialsSignedString,
  v3CodeSignedString,
  v3RefreshSignedString,
} from './protocol.ts';

const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0) => new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));

describe('formatEsiaTimestamp', () => {
  it('writes yyyy.MM.dd HH:mm:ss +HHMM in Moscow time by default', () => {
    expect(formatEsiaTimestamp(utc(2026, 11, 23, 11, 36, 11))).toBe('2026.11.23 14:36:11 +0300');
  });

  it('writes the given offset: +0300, +0000, -0130, +0545', () => {
    const at = utc(2026, 11, 23, 11, 36, 11);
    expect(formatEsiaTimestamp(at, 180)).toBe('2026.11.23 14:36:11 +0300');
    expect(formatEsiaTimestamp(at, 0)).toBe('2026.11.23 11:36:11 +0000');
    expect(formatEsiaTimestamp(at, -90)).toBe('2026.11.23 10:06:11 -0130');
    expect(formatEsiaTimestamp(at, 345)).toBe('2026.11.23 17:21:11 +0545');
    expect(formatEsiaTimestamp(at, -30)).toBe('2026.11.23 11:06:11 -0030');
    expect(formatEsiaTimestamp(at, 720)).toBe('2026.11.23 23:36:11 +1200');
  });

  it('pads every field to its width', () => {
    expect(formatEsiaTimestamp(utc(2027, 1, 2, 0, 3, 4), 0)).toBe('2027.01.02 00:03:04 +0000');
    expect(formatEsiaTimestamp(utc(999, 1, 2, 0, 3, 4), 0)).toMatch(/^0?999\.01\.02 00:03:04 \+0000$/);
  });

  it('drops milliseconds without rounding', () => {
    expect(formatEsiaTimestamp(utc(2026, 11, 23, 11, 36, 11, 999), 180)).toBe('2026.11.23 14:36:11 +0300');
  });

  it('rolls the date over at local midnight, forwards and backwards', () => {
    expect(formatEsiaTimestamp(utc(2026, 12, 31, 20, 59, 59), 180)).toBe('2026.12.31 23:59:59 +0300');
    expect(formatEsiaTimestamp(utc(2026, 12, 31, 21, 0, 0), 180)).toBe('2027.01.01 00:00:00 +0300');
    expect(formatEsiaTimestamp(utc(2028, 2, 28, 21, 0, 0), 180)).toBe('2028.02.29 00:00:00 +0300');
    expect(formatEsiaTimestamp(utc(2027, 2, 28, 21, 0, 0), 180)).toBe('2027.03.01 00:00:00 +0300');
    expect(formatEsiaTimestamp(utc(2026, 3, 1, 1, 29, 59), -90)).toBe('2026.02.28 23:59:59 -0130');
    expect(formatEsiaTimestamp(utc(2026, 3, 1, 1, 30, 0), -90)).toBe('2026.03.01 00:00:00 -0130');
  });

  it('does not depend on the process time zone', () => {
    const at = utc(2026, 6, 1, 12, 0, 0);
    const before = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      expect(formatEsiaTimestamp(at)).toBe('2026.06.01 15:00:00 +0300');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});

describe('signed strings', () => {
  const fields = {
    clientId: 'SCHOOL-BROKER',
    scope: 'openid fullname snils',
    timestamp: '2026.11.23 14:36:11 +0300',
    state: '5e0a6c2b-1d4f-4b8e-9c3a-7f2d1e6b8a90',
    redirectUri: 'https://broker.school.example.ru/esia/callback',
  };
  const ts = '2026.11.23 14:36:11 +0300';
  const st = '5e0a6c2b-1d4f-4b8e-9c3a-7f2d1e6b8a90';
  const uri = 'https://broker.school.example.ru/esia/callback';

  it('v2 authorization: client_id + scope + timestamp + state + redirect_uri', () => {
    expect(v2AuthorizationSignedString(fields)).toBe(`SCHOOL-BROKERopenid fullname snils${ts}${st}${uri}`);
  });

  it('v2 authorization with scope_org between scope and timestamp', () => {
    expect(v2AuthorizationSignedString({ ...fields, scopeOrg: 'org_shortname org_inn' })).toBe(
      `SCHOOL-BROKERopenid fullname snilsorg_shortname org_inn${ts}${st}${uri}`,
    );
  });

  it('v3 code exchange: the v2 string followed by the code', () => {
    expect(v3CodeSignedString({ ...fields, code: 'eyJ2ZXIiOjB9.eyJjb2RlIjoxfQ.c2ln' })).toBe(
      `SCHOOL-BROKERopenid fullname snils${ts}${st}${uri}eyJ2ZXIiOjB9.eyJjb2RlIjoxfQ.c2ln`,
    );
  });

  it('v3 refresh, both variants', () => {
    const refresh = { ...fields, refreshToken: '0f9e8d7c-6b5a-4493-8281-706f5e4d3c2b' };
    expect(v3RefreshSignedString(refresh, 'redirect_uri')).toBe(`SCHOOL-BROKERopenid fullname snils${ts}${st}${uri}`);
    expect(v3RefreshSignedString(refresh, 'refresh_token')).toBe(
      `SCHOOL-BROKERopenid fullname snils${ts}${st}0f9e8d7c-6b5a-4493-8281-706f5e4d3c2b`,
    );
    expect(v3RefreshSignedString({ ...refresh, scopeOrg: 'org_inn' }, 'redirect_uri')).toBe(`SCHOOL-BROKERopenid fullname snils${ts}${st}${uri}`);
  });

  it('v3 client_credentials: client_id + scope + timestamp + state', () => {
    expect(v3ClientCredentialsSignedString({ clientId: 'SCHOOL-BROKER', scope: 'usr_org', timestamp: ts, state: st })).toBe(
      `SCHOOL-BROKERusr_org${ts}${st}`,
    );
  });

  it('v1: scope + timestamp + client_id + state', () => {
    expect(v1SignedString(fields)).toBe(`openid fullname snils${ts}SCHOOL-BROKER${st}`);
  });

  it('concatenates with no separators and keeps UTF-8 text as is', () => {
    const s = v2AuthorizationSignedString({ ...fields, redirectUri: 'https://школа.рф/cb' });
    expect(s.endsWith(`${st}https://школа.рф/cb`)).toBe(true);
    expect(s).not.toMatch(/\n|&|=/);
  });
});

describe('issuers', () => {
  it('matches ESIA.md: plain http, trailing slash', () => {
    expect(ESIA_ENVIRONMENTS.production).toEqual({ baseUrl: 'https://esia.gosuslugi.ru', issuer: 'http://esia.gosuslugi.ru/' });
    expect(ESIA_ENVIRONMENTS.test).toEqual({ baseUrl: 'https://esia-portal1.test.gosuslugi.ru', issuer: 'http://esia-portal1.test.gosuslugi.ru/' });
  });

  it('derives the issuer of a custom base URL from its host and port', () => {
    expect(issuerFor('https://esia.gosuslugi.ru')).toBe('http://esia.gosuslugi.ru/');
    expect(issuerFor('http://127.0.0.1:3001')).toBe('http://127.0.0.1:3001/');
    expect(issuerFor('http://localhost:3001/some/path/')).toBe('http://localhost:3001/');
  });
});
