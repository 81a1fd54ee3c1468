/**
 * mock-journal as the broker's OpenID Connect client (openid-client): "Войти через Госуслуги",
 * the callback, a page showing who is logged in and the token's claims, and logout through the
 * broker. Login state lives in this process (it is the stand-in journal, not the broker).
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import type { MockJournalDeps } from '../deps.ts';
import { html, page } from '../views/layout.ts';

export interface JournalOidcOptions {
  /** The broker's issuer URL. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** This journal's public base URL (redirect and post-logout addresses are built from it); `serveMockJournal` fills it in. */
  baseUrl?: string;
  /** Allow plain http (the demo on localhost). */
  allowHttp?: boolean;
}

interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  expiresAt: number;
}

interface JournalSession {
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  idToken: string;
}

const ROLE_NAMES: Record<string, string> = { parent: 'родитель', pupil: 'ученик', staff: 'сотрудник' };
const LOGIN_COOKIE = 'mj_login';
const SESSION_COOKIE = 'mj_session';

export function registerLoginRoutes(router: Router, deps: MockJournalDeps, options: JournalOidcOptions): void {
  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<string, JournalSession>();
  const baseUrl = (options.baseUrl ?? deps.audience.slice(0, deps.audience.length - deps.apiBasePath.length)).replace(/\/+$/, '');
  const redirectUri = `${baseUrl}/oidc/callback`;
  let discovered: Promise<oidc.Configuration> | undefined;
  let brokerKeys: ReturnType<typeof createRemoteJWKSet> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, {
        execute: options.allowHttp ? [oidc.allowInsecureRequests] : [],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  const cookie = (ctx: Context, name: string, value: string | null) =>
    ctx.cookies.set(name, value, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', overwrite: true });

  router.get('/login', async (ctx) => {
    const config = await configuration();
    const login: PendingLogin = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      expiresAt: Date.now() + 10 * 60_000,
    };
    const id = randomBytes(18).toString('base64url');
    for (const [key, p] of pending) if (p.expiresAt < Date.now()) pending.delete(key);
    pending.set(id, login);
    cookie(ctx, LOGIN_COOKIE, id);
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: 'openid profile role institution age_group',
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      state: login.state,
      nonce: login.nonce,
    };
    const role = ctx.query.role;
    if (typeof role === 'string' && role in ROLE_NAMES) params.role = role;
    ctx.redirect(oidc.buildAuthorizationUrl(config, params).toString());
  });

  router.get('/oidc/callback', async (ctx) => {
    const id = ctx.cookies.get(LOGIN_COOKIE);
    const login = id ? pending.get(id) : undefined;
    if (id) pending.delete(id);
    cookie(ctx, LOGIN_COOKIE, null);
    ctx.type = 'text/html; charset=utf-8';
    if (!login || login.expiresAt < Date.now()) {
      ctx.status = 400;
      ctx.body = page('Вход не удался', html`<div class="card"><h1>Вход устарел</h1><p><a href="/">Начать заново</a></p></div>`);
      return;
    }
    const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
    if (error) {
      deps.log('mock-journal: the broker refused the login', { error, description: ctx.query.error_description });
      ctx.body = page(
        'Вход не выполнен',
        html`<div class="card"><h1>Вход не выполнен</h1><p>Служба входа вернула: <code>${error}</code>${
          typeof ctx.query.error_description === 'string' ? html` (<code>${ctx.query.error_description}</code>)` : ''
        }.</p><p><a href="/">На главную</a></p></div>`,
      );
      return;
    }
    try {
      const config = await configuration();
      const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.originalUrl, baseUrl), {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
      });
      const claims = tokens.claims() as Record<string, unknown>;
      const userinfo = (await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))) as Record<string, unknown>;
      const sessionId = randomBytes(18).toString('base64url');
      sessions.set(sessionId, { claims, userinfo, idToken: tokens.id_token! });
      cookie(ctx, SESSION_COOKIE, sessionId);
      ctx.redirect('/me');
    } catch (err) {
      deps.log('mock-journal: code exchange failed', err);
      ctx.status = 400;
      ctx.body = page('Вход не удался', html`<div class="card"><h1>Вход не удался</h1><p><a href="/">Попробовать снова</a></p></div>`);
    }
  });

  router.get('/me', (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = id ? sessions.get(id) : undefined;
    if (!session) return ctx.redirect('/');
    const sub = String(session.claims.sub);
    const record = deps.store.record(sub);
    const institution = session.userinfo.institution as { name?: string } | undefined;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page(
      'Личный кабинет',
      html`<div class="card">
<h1>${String(session.userinfo.name ?? sub)}</h1>
<p>Вы вошли в учётную запись журнала <strong>${sub}</strong>${record ? html` (${ROLE_NAMES[record.role] ?? record.role})` : ''}${
        institution?.name ? html`, ${institution.name}` : ''
      }.</p>
<p class="muted">Уровень учётной записи (acr): ${String(session.claims.acr ?? '—')}; способ входа (amr): ${JSON.stringify(session.claims.amr ?? [])}.</p>
${session.claims.acr === 'school-password' ? html`<h2>Вход через Госуслуги</h2>
<p>Вы вошли по школьному логину. Привяжите учётную запись Госуслуг, чтобы входить через Госуслуги.</p>
<form method="get" action="/settings/esia-link"><button type="submit">Привязать учётную запись Госуслуг</button></form>` : ''}
<form method="post" action="/logout"><button class="secondary" type="submit">Выйти</button></form>
</div>
<div class="card"><h2>Данные токена</h2>
<table>${Object.entries({ ...session.claims, ...session.userinfo }).map(
        ([k, v]) => html`<tr><th>${k}</th><td><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></td></tr>`,
      )}</table></div>`,
    );
  });

  // «Привязать учётную запись Госуслуг»: a signed, single-use, short-lived link request naming the
  // logged-in account, and the broker's signed answer coming back.
  router.get('/settings/esia-link', async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = id ? sessions.get(id) : undefined;
    if (!session) return ctx.redirect('/');
    const now = Math.floor(Date.now() / 1000);
    const request = await new SignJWT({ return_uri: `${baseUrl}/settings/esia-linked` })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(options.clientId)
      .setAudience(options.issuer)
      .setSubject(String(session.claims.sub))
      .setJti(randomBytes(18).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .sign(Buffer.from(options.clientSecret, 'utf8'));
    ctx.redirect(`${options.issuer}/link?request=${request}`);
  });

  router.get('/settings/esia-linked', async (ctx) => {
    const result = typeof ctx.query.result === 'string' ? ctx.query.result : '';
    ctx.type = 'text/html; charset=utf-8';
    try {
      brokerKeys ??= createRemoteJWKSet(new URL(`${options.issuer}/jwks`));
      const { payload } = await jwtVerify(result, brokerKeys, { issuer: options.issuer, audience: options.clientId });
      const text: Record<string, string> = {
        linked: 'Учётная запись Госуслуг привязана. Теперь можно входить через Госуслуги.',
        already_linked: 'Эта учётная запись Госуслуг уже была привязана.',
        linked_to_another_person: 'Учётная запись журнала уже привязана к другой учётной записи Госуслуг. Обратитесь в школу.',
        refused: 'Привязать не удалось.',
      };
      ctx.body = page('Привязка Госуслуг', html`<div class="card"><h1>Привязка Госуслуг</h1><p>${text[String(payload.status)] ?? 'Неизвестный ответ.'}</p><p><a href="/me">Назад</a></p></div>`);
    } catch (err) {
      deps.log('mock-journal: a link result did not verify', err);
      ctx.status = 400;
      ctx.body = page('Привязка Госуслуг', html`<div class="card"><h1>Ответ не прошёл проверку</h1><p><a href="/">На главную</a></p></div>`);
    }
  });

  router.post('/logout', async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const session = id ? sessions.get(id) : undefined;
    if (id) sessions.delete(id);
    cookie(ctx, SESSION_COOKIE, null);
    if (!session) return ctx.redirect('/');
    const config = await configuration();
    ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: `${baseUrl}/` }).toString());
  });
}
