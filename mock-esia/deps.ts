/**
 * What every mock-esia route receives: the resolved options, clock, personas, registered systems,
 * keys, fault switches and the in-memory state. Built once by `createMockEsia`.
 */
import type { MockEsiaClientConfig } from '../config/schema.ts';
import type { Persona, PersonasFile } from '../fixtures/personas.ts';
import type { ControllableClock } from './clock.ts';
import type { Faults } from './faults.ts';
import type { KeyRing } from './keys.ts';
import type { RegisteredCertificate } from './secret.ts';
import type { ExpiringMap } from './state.ts';
import type { TokenSubject } from './tokens.ts';

/** A registered system with its parsed certificates. */
export interface RegisteredClient {
  readonly config: MockEsiaClientConfig;
  readonly certificates: readonly RegisteredCertificate[];
}

/** What the mock remembers about an access token it issued (REST checks it). */
export interface AccessTokenRecord {
  readonly oid: number;
  readonly clientId: string;
  /** Granted scopes, without the `?oid=` suffix. */
  readonly scopes: readonly string[];
}

/** A login in progress between `ac` and the redirect back. */
export interface PendingAuthorization {
  readonly id: string;
  readonly version: 1 | 2;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly accessType: 'online' | 'offline';
  readonly codeChallenge?: string;
}

/** An issued authorization code, single use. */
export interface CodeRecord {
  readonly version: 1 | 2;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly authorizationState: string;
  readonly accessType: 'online' | 'offline';
  readonly codeChallenge?: string;
  readonly subject: TokenSubject;
}

/** An issued refresh token, rotated on use. */
export interface RefreshRecord {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly subject: TokenSubject;
}

/** A browser's session at the mock (single sign-on until `/idp/ext/Logout`). */
export interface SessionRecord {
  readonly oid: number;
  readonly sid: string;
  readonly authTime: number;
}

export interface MockEsiaState {
  readonly pending: ExpiringMap<PendingAuthorization>;
  readonly codes: ExpiringMap<CodeRecord>;
  readonly refreshTokens: ExpiringMap<RefreshRecord>;
  readonly accessTokens: ExpiringMap<AccessTokenRecord>;
  readonly sessions: ExpiringMap<SessionRecord>;
  /** `${oid}:${clientId}` → scopes the person already allowed for that system. */
  readonly consents: Map<string, ReadonlySet<string>>;
  /** States already used by token requests (a token request's state must be new). */
  readonly usedStates: ExpiringMap<true>;
}

export interface MockEsiaDeps {
  /** Base URL clients and browsers use, without a trailing slash. */
  readonly baseUrl: string;
  /** `iss` of every token: `http://<host of baseUrl>/`. */
  readonly iss: string;
  readonly timeZone: string;
  /**
   * The instant persona ages are counted from (the clock when the app was made): birth dates stay
   * fixed while the clock moves, so moving the clock makes people older.
   */
  readonly personasAnchor: Date;
  readonly timestampWindowSeconds: number;
  readonly adminToken?: string;
  readonly clock: ControllableClock;
  readonly personas: PersonasFile;
  /** Personas by ESIA oid. */
  readonly people: ReadonlyMap<number, Persona>;
  readonly clients: ReadonlyMap<string, RegisteredClient>;
  readonly keys: KeyRing;
  readonly faults: Faults;
  readonly state: MockEsiaState;
}
