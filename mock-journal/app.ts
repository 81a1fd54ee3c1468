/**
 * mock-journal: a stand-in legacy school journal as a Koa app. `createMockJournal(options)` builds it
 * (it never listens; `mock-journal/main.ts` does). It serves the adapter HTTP contract
 * (`adapters/http/openapi.json`) over its own accounts — the personas' journal side — and a few
 * Russian pages. The returned app carries `app.journal`, a control object for tests and embedding.
 */
import Koa from 'koa';
import { Router } from '@koa/router';
import type { JSONWebKeySet } from 'jose';
import { buildJournalSeed, type JournalSeed } from '../fixtures/journal-seed.ts';
import { DEFAULT_TIME_ZONE } from '../fixtures/personas.ts';
import { createAssertionVerifier } from './assertions.ts';
import type { MockJournalDeps } from './deps.ts';
import { JournalFaults, type JournalFaultInput } from './faults.ts';
import { DEFAULT_SCRYPT_COST } from './passwords.ts';
import { problem } from './problem.ts';
import { JournalStore, type RecordedLink } from './store.ts';
import { createApiRouter } from './routes/api.ts';
import { registerPageRoutes } from './routes/pages.ts';
import { registerLoginRoutes, type JournalOidcOptions } from './routes/login.ts';
import { html, page } from './views/layout.ts';

export interface MockJournalOptions {
  /**
   * The API base URL as the broker calls it, e.g. `http://127.0.0.1:3002/esia-broker/v1`: the `aud`
   * every assertion must carry.
   */
  audience: string;
  /** The journal's records; default `buildJournalSeed(new Date())` (the personas' journal side). */
  seed?: JournalSeed;
  /** Where the API is served; default `/esia-broker/v1`. */
  apiBasePath?: string;
  /** The broker's public keys allowed to sign assertions. Without any, every API call is refused (401). */
  brokerJwks?: JSONWebKeySet;
  /** The broker's client id: the assertions' `iss` and `sub`; default `esia-broker`. */
  brokerClientId?: string;
  /**
   * Mutual TLS: a client certificate the HTTPS server verified (`requestCert`, `ca`) authenticates the
   * broker instead of an assertion. Default false.
   */
  acceptClientCertificates?: boolean;
  /** Initial fault switches. */
  faults?: JournalFaultInput;
  /** The clock assertions are checked against; default real time. */
  clock?: () => Date;
  /** Accepted clock difference for assertions, seconds; default 30. */
  clockToleranceSeconds?: number;
  /** scrypt cost N for the stored password hashes; default 16384 (tests may lower it for speed). */
  scryptCost?: number;
  /** Time zone the pages show times in; default Europe/Samara. */
  timeZone?: string;
  /** Log in through the broker (the journal as an OpenID Connect client); absent: no login button. */
  oidc?: JournalOidcOptions;
  /** Where refused assertions and unexpected errors are reported; default `console.error`. */
  log?: (message: string, detail?: unknown) => void;
}

/** The control object on a mock-journal app. */
export interface MockJournalControl {
  readonly audience: string;
  readonly apiBasePath: string;
  readonly faults: JournalFaults;
  /** ESIA links the broker wrote back, by account id. */
  readonly links: ReadonlyMap<string, RecordedLink>;
  /** The journal's records (passwords only as hashes). */
  readonly store: JournalStore;
}

export type MockJournalApp = Koa & { journal: MockJournalControl };

export const DEFAULT_API_BASE_PATH = '/esia-broker/v1';

export function createMockJournal(options: MockJournalOptions): MockJournalApp {
  const apiBasePath = (options.apiBasePath ?? DEFAULT_API_BASE_PATH).replace(/\/+$/, '');
  const audience = options.audience.replace(/\/+$/, '');
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((message, detail) => console.error(message, detail ?? ''));
  const deps: MockJournalDeps = {
    store: new JournalStore(options.seed ?? buildJournalSeed(new Date()), options.scryptCost ?? DEFAULT_SCRYPT_COST),
    faults: new JournalFaults(options.faults),
    verifyAssertion: createAssertionVerifier({
      jwks: options.brokerJwks,
      clientId: options.brokerClientId ?? 'esia-broker',
      audience,
      clock,
      toleranceSeconds: options.clockToleranceSeconds ?? 30,
    }),
    acceptClientCertificates: options.acceptClientCertificates ?? false,
    audience,
    apiBasePath,
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
    clock,
    log,
  };
  const isApi = (path: string) => path === apiBasePath || path.startsWith(`${apiBasePath}/`);

  const app = new Koa() as MockJournalApp;
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        if (isApi(ctx.path)) problem(ctx, 404, 'no such operation');
        else errorPage(ctx, 404);
      }
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      const clientError = typeof status === 'number' && status >= 400 && status < 500;
      if (!clientError) log(`mock-journal: ${ctx.method} ${ctx.path} failed`, err);
      if (isApi(ctx.path)) problem(ctx, clientError ? status : 500, clientError ? 'the request is not valid' : undefined);
      else errorPage(ctx, clientError ? status : 500);
    }
  });

  const pages = new Router();
  registerPageRoutes(pages, deps, options.oidc !== undefined);
  if (options.oidc) registerLoginRoutes(pages, deps, options.oidc);
  app.use(pages.routes());
  const api = createApiRouter(deps);
  app.use(api.routes());
  // Routers share `ctx.matched`, so this one answers 405 / 501 for the pages as well.
  app.use(api.allowedMethods({ throw: true }));

  app.journal = { audience, apiBasePath, faults: deps.faults, links: deps.store.links, store: deps.store };
  return app;
}

function errorPage(ctx: Koa.Context, status: number): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body =
    status < 500
      ? page('Страница не найдена', html`<div class="card"><h1>Такой страницы нет</h1><p><a href="/">На главную</a></p></div>`)
      : page('Ошибка', html`<div class="card"><h1>Что-то пошло не так</h1><p>Попробуйте обновить страницу через минуту.</p></div>`);
}
