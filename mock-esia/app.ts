/**
 * mock-esia: a faithful stand-in for ЕСИА as a Koa app. `createMockEsia(options)` builds it (it never
 * listens; `mock-esia/main.ts` does). The returned app carries `app.esia`, a control object for tests
 * and embedding: the clock, the fault switches, the keys and the state.
 */
import Koa from 'koa';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { mockEsiaClientSchema, type MockEsiaClientInput } from '../config/schema.ts';
import { loadPersonas, DEFAULT_TIME_ZONE, type PersonasFile } from '../fixtures/personas.ts';
import { createControllableClock, type ControllableClock } from './clock.ts';
import type { AccessTokenRecord, MockEsiaDeps, RegisteredClient } from './deps.ts';
import { Faults, type FaultInput } from './faults.ts';
import { generateSigningKey, importSigningKey, KeyRing, type SuppliedKey, type TokenAlg } from './keys.ts';
import { registerCertificate } from './secret.ts';
import { ExpiringMap } from './state.ts';
import { accessTokenClaims, ACCESS_HEADER, signJwt } from './tokens.ts';
import { registerAuthorizeRoutes } from './routes/authorize.ts';
import { registerTokenRoutes } from './routes/token.ts';
import { registerLogoutRoutes } from './routes/logout.ts';
import { registerRestRoutes } from './routes/rest.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { errorPage } from './views/pages.ts';

export interface MockEsiaOptions {
  /** Base URL clients and browsers use, e.g. `http://127.0.0.1:3001`. `iss` is `http://<its host>/`. */
  baseUrl: string;
  /** Registered systems (validated against the config schema; defaults filled in). */
  clients?: readonly MockEsiaClientInput[];
  /** The people; default: the repo's `fixtures/personas.json`. */
  personas?: PersonasFile;
  /** The clock; default: real time, controllable. */
  clock?: ControllableClock;
  /** The instant persona ages count from; default the clock's time when the app is made. */
  personasAnchor?: Date;
  /** Time zone ages are computed in; default Europe/Samara. */
  timeZone?: string;
  /** Accepted distance of a request `timestamp` from the clock, seconds; default 300. */
  timestampWindowSeconds?: number;
  /** Bearer token for `/mock/admin/*`; open when unset. */
  adminToken?: string;
  /** Initial fault switches. */
  faults?: FaultInput;
  /** Token signing keys; generated at start when absent. */
  signingKeys?: Partial<Record<TokenAlg, SuppliedKey>>;
  /** Where unexpected errors are reported; default `console.error`. */
  log?: (message: string, error: unknown) => void;
}

/** The control object on a mock-esia app. */
export interface MockEsiaControl {
  readonly deps: MockEsiaDeps;
  readonly clock: ControllableClock;
  readonly faults: Faults;
  /** Issues and records an access token as the token endpoint would (for REST tests and tools). */
  issueAccessToken(input: { oid: number; clientId: string; scopes: readonly string[] }): string;
  /** Rotates the signing key of `alg`; the old certificate stays published. Returns the new certificate. */
  rotateKey(alg: TokenAlg): string;
}

export type MockEsiaApp = Koa & { esia: MockEsiaControl };

export function createMockEsia(options: MockEsiaOptions): MockEsiaApp {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const clock = options.clock ?? createControllableClock();
  const personas = options.personas ?? loadPersonas();
  const now = clock.now();
  const keyFor = (alg: TokenAlg) => {
    const supplied = options.signingKeys?.[alg];
    return supplied ? importSigningKey(alg, supplied, now) : generateSigningKey(alg, now);
  };
  const clients = new Map<string, RegisteredClient>();
  for (const input of options.clients ?? []) {
    const config = mockEsiaClientSchema.parse(input);
    if (clients.has(config.mnemonic)) throw new Error(`mock-esia: client ${config.mnemonic} registered twice`);
    clients.set(config.mnemonic, { config, certificates: config.certificates.map(registerCertificate) });
  }
  const deps: MockEsiaDeps = {
    baseUrl,
    iss: `http://${new URL(baseUrl).host}/`,
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
    personasAnchor: options.personasAnchor ?? now,
    timestampWindowSeconds: options.timestampWindowSeconds ?? 300,
    adminToken: options.adminToken,
    clock,
    personas,
    people: new Map(personas.people.map((p) => [p.esia.oid, p])),
    clients,
    keys: new KeyRing({ RS256: keyFor('RS256'), GOST3410_2012_256: keyFor('GOST3410_2012_256') }),
    faults: new Faults(options.faults),
    state: {
      pending: new ExpiringMap(clock),
      codes: new ExpiringMap(clock),
      refreshTokens: new ExpiringMap(clock),
      accessTokens: new ExpiringMap<AccessTokenRecord>(clock),
      sessions: new ExpiringMap(clock),
      consents: new Map(),
      usedStates: new ExpiringMap(clock),
    },
  };

  const log = options.log ?? ((message, error) => console.error(message, error));
  const app = new Koa() as MockEsiaApp;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      log(`mock-esia: ${ctx.method} ${ctx.path} failed`, err);
      ctx.status = 500;
      if (ctx.path.startsWith('/aas/oauth2/') && ctx.method === 'POST') {
        ctx.type = 'application/json';
        ctx.body = { error: 'server_error', error_description: 'ESIA-007007: Unexpected server error' };
      } else {
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = errorPage('ESIA-007007');
      }
    }
  });
  app.use(bodyParser({ enableTypes: ['form', 'json'], formLimit: '64kb', jsonLimit: '64kb' }));
  const router = new Router();
  registerAuthorizeRoutes(router, deps);
  registerTokenRoutes(router, deps);
  registerLogoutRoutes(router, deps);
  registerRestRoutes(router, deps);
  registerAdminRoutes(router, deps);
  app.use(router.routes());
  app.use(router.allowedMethods());

  app.esia = {
    deps,
    clock,
    faults: deps.faults,
    issueAccessToken({ oid, clientId, scopes }) {
      const client = clients.get(clientId);
      if (!client) throw new Error(`mock-esia: unknown client ${clientId}`);
      const issuedAt = Math.floor(clock.now().getTime() / 1000);
      const subject = { oid, confirmed: false, lvl: 'P' as const, sid: crypto.randomUUID(), authTime: issuedAt, amr: 'PWD' as const };
      const ttl = client.config.accessTokenTtlSeconds;
      const token = signJwt(
        ACCESS_HEADER,
        accessTokenClaims({ iss: deps.iss, clientId, now: issuedAt }, subject, scopes, ttl),
        deps.keys.current(client.config.tokenAlg),
      );
      deps.state.accessTokens.set(token, { oid, clientId, scopes: [...scopes] }, ttl);
      return token;
    },
    rotateKey(alg) {
      return deps.keys.rotate(alg, generateSigningKey(alg, clock.now())).certificatePem;
    },
  };
  return app;
}
