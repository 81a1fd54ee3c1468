/**
 * The person's own links (`/my/links`): after an ESIA login (a short session of its own, bound to a
 * cookie on `/my`), the page lists the journal accounts linked to this ESIA person and unlinks any of
 * them (the same unlinking as the journal's: audit, sessions, back channel).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { html } from '../../core/html.ts';
import type { EsiaClient } from '../esia/client.ts';
import { readPerson } from '../login/flow.ts';
import type { KeyValueStore } from '../store/types.ts';
import { brokerPage } from '../views/layout.ts';
import { errorPage, linkedAccountsList } from '../views/pages.ts';
import { unlinkAccount, type UnlinkDeps } from './unlink.ts';

const COOKIE = 'broker_my';
const SESSION_TTL = 900;

interface MySession {
  oid?: string;
  csrf: string;
  esiaState?: string;
}

export function registerMyLinksRoutes(
  router: Router,
  deps: UnlinkDeps & { esia: EsiaClient; kv: KeyValueStore; issuer: string; journalNames: ReadonlyMap<string, string> },
): void {
  const redirectUri = `${deps.issuer}/my/esia`;
  const sessionOf = async (ctx: Context): Promise<{ id: string; session: MySession } | undefined> => {
    const id = ctx.cookies.get(COOKIE);
    const session = id ? ((await deps.kv.get(`my:${id}`)) as MySession | undefined) : undefined;
    return id && session ? { id, session } : undefined;
  };

  router.get('/my/links', async (ctx) => {
    const current = await sessionOf(ctx);
    if (!current?.session.oid) {
      const id = randomBytes(24).toString('base64url');
      const esiaState = randomUUID();
      await deps.kv.set(`my:${id}`, { csrf: randomBytes(24).toString('base64url'), esiaState } satisfies MySession, SESSION_TTL);
      ctx.cookies.set(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/my', overwrite: true });
      const { url } = await deps.esia.buildAuthorizationUrl({ redirectUri, state: esiaState });
      return ctx.redirect(url);
    }
    const links = await deps.links.linksOf(current.session.oid);
    ctx.type = 'html';
    ctx.body = brokerPage(
      'Мои связи',
      html`<div class="card"><h1>Связанные учётные записи журналов</h1>
${linkedAccountsList(
  links.map((link) => ({ link, journalName: deps.journalNames.get(link.journalId) ?? link.journalId })),
  current.session.csrf,
  '/my/links/unlink',
)}</div>`,
    );
  });

  router.get('/my/esia', async (ctx) => {
    const current = await sessionOf(ctx);
    const query = new URLSearchParams(ctx.querystring);
    if (!current?.session.esiaState || query.get('state') !== current.session.esiaState) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage('Вход устарел', 'Откройте страницу «Мои связи» ещё раз.');
      return;
    }
    try {
      const { code } = deps.esia.parseCallback(query, current.session.esiaState);
      const tokens = await deps.esia.exchangeCode({ code, redirectUri });
      const { person } = await readPerson(deps.esia, tokens);
      await deps.kv.set(`my:${current.id}`, { csrf: current.session.csrf, oid: person.oid } satisfies MySession, SESSION_TTL);
      ctx.redirect('/my/links');
    } catch (err) {
      deps.log.warn({ code: (err as { code?: unknown }).code }, 'ESIA login for my links failed');
      await deps.kv.delete(`my:${current.id}`);
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage('Не удалось войти', 'Вход через Госуслуги не завершился. Откройте страницу «Мои связи» ещё раз.');
    }
  });

  router.post('/my/links/unlink', async (ctx) => {
    const current = await sessionOf(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const given = Buffer.from(String(body.csrf ?? ''));
    const expected = Buffer.from(current?.session.csrf ?? '');
    if (!current?.session.oid || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = errorPage('Запрос отклонён', 'Откройте страницу «Мои связи» ещё раз.');
      return;
    }
    const journalId = typeof body.journal === 'string' ? body.journal : '';
    const accountId = typeof body.account === 'string' ? body.account : '';
    await unlinkAccount(deps, { journalId, accountId, actor: { kind: 'person', id: current.session.oid }, expectedOid: current.session.oid });
    ctx.status = 303;
    ctx.redirect('/my/links');
  });
}
