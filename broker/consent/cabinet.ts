/**
 * The parent cabinet (`/cabinet`): after an ESIA login with the level the policy asks (default
 * confirmed), a parent sees their children, the consent requests they may decide (approve, decline),
 * the consents granted (revoke), the history, and their own linked accounts (unlink, as at /my/links).
 * The session is short and its own (a cookie on `/cabinet`, the state in the store); every form carries
 * a CSRF token. A person who is not an eligible parent of a request neither sees it nor can decide it:
 * the answer is the same as for a request that does not exist.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { hasRelations, type JournalAccount } from '../../adapters/types.ts';
import type { EsiaClient } from '../esia/client.ts';
import type { AccountLevel } from '../esia/person.ts';
import { isAdapterError, readPerson } from '../login/flow.ts';
import { meetsLevel } from '../login/policy.ts';
import { unlinkAccount, type UnlinkDeps } from '../linking/unlink.ts';
import type { KeyValueStore } from '../store/types.ts';
import { errorPage } from '../views/pages.ts';
import { cabinetLandingPage, cabinetPage, cabinetRefusalPage, type CabinetView } from '../views/cabinet-pages.ts';
import { decide, eligibilityOf, rememberEsiaChildren, revoke, withChildrenScopes, type ConsentDeps } from './service.ts';
import type { AccountRef, ConsentRecord } from './store.ts';

const COOKIE = 'broker_cabinet';
const SESSION_TTL = 900;

interface CabinetSession {
  csrf: string;
  esiaState?: string;
  oid?: string;
  level?: AccountLevel;
}

export interface CabinetDeps {
  consent: ConsentDeps;
  unlink: UnlinkDeps;
  esia: EsiaClient;
  kv: KeyValueStore;
  issuer: string;
  journalNames: ReadonlyMap<string, string>;
  timeZone: string;
  /** Appends a refused cabinet login to the audit log. */
  auditRefusal(esiaOid: string, reason: string): Promise<void>;
}

/** Fixed notices after an action, by code (never text from the request). */
const NOTICES: Record<string, string> = {
  granted: 'Вы разрешили вход. Ребёнок может входить в журнал через Госуслуги.',
  declined: 'Вы отклонили запрос.',
  revoked: 'Разрешение отозвано. При следующем входе через Госуслуги понадобится новое согласие.',
  closed: 'По этому запросу уже принято решение.',
  unlinked: 'Учётная запись отвязана.',
};

export function registerCabinetRoutes(router: Router, deps: CabinetDeps): void {
  const { kv } = deps;
  const redirectUri = `${deps.issuer}/cabinet/esia`;
  const scopes = () => withChildrenScopes(deps.esia.scopes, deps.consent.config);

  const sessionOf = async (ctx: Context): Promise<{ id: string; session: CabinetSession } | undefined> => {
    const id = ctx.cookies.get(COOKIE);
    if (!id || !/^[A-Za-z0-9_-]{32}$/.test(id)) return undefined;
    const session = (await kv.get(`cabinet:${id}`)) as CabinetSession | undefined;
    return session ? { id, session } : undefined;
  };

  const csrfOk = (ctx: Context, session: CabinetSession): boolean => {
    const given = Buffer.from(String((ctx.request.body as Record<string, unknown> | undefined)?.csrf ?? ''));
    const expected = Buffer.from(session.csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const page = (ctx: Context, body: string, status = 200) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };

  router.get('/cabinet', async (ctx) => {
    const current = await sessionOf(ctx);
    if (!current?.session.oid) return page(ctx, cabinetLandingPage());
    const notice = typeof ctx.query.done === 'string' ? NOTICES[ctx.query.done] : undefined;
    page(ctx, cabinetPage(await viewFor(current.session.oid, current.session.csrf), notice));
  });

  router.post('/cabinet/login', async (ctx) => {
    const id = randomBytes(24).toString('base64url');
    const esiaState = randomUUID();
    await kv.set(`cabinet:${id}`, { csrf: randomBytes(24).toString('base64url'), esiaState } satisfies CabinetSession, SESSION_TTL);
    ctx.cookies.set(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/cabinet', overwrite: true });
    try {
      const { url } = await deps.esia.buildAuthorizationUrl({ redirectUri, state: esiaState, scopes: scopes() });
      ctx.status = 303;
      ctx.redirect(url);
    } catch (err) {
      deps.consent.log.error({ code: (err as { code?: unknown }).code }, 'cannot build the ESIA request for the cabinet');
      page(ctx, errorPage('Госуслуги не отвечают', 'Попробуйте войти в кабинет через несколько минут.'), 503);
    }
  });

  router.get('/cabinet/esia', async (ctx) => {
    const current = await sessionOf(ctx);
    const query = new URLSearchParams(ctx.querystring);
    const expected = current?.session.esiaState;
    if (!current || !expected || query.get('state') !== expected) {
      return page(ctx, errorPage('Вход устарел', 'Откройте кабинет родителя ещё раз и войдите через Госуслуги.'), 400);
    }
    // The state is single use: whatever happens next, this session cannot take another code.
    await kv.set(`cabinet:${current.id}`, { csrf: current.session.csrf } satisfies CabinetSession, SESSION_TTL);
    let read;
    try {
      const { code } = deps.esia.parseCallback(query, expected);
      const tokens = await deps.esia.exchangeCode({ code, redirectUri, scopes: scopes() });
      read = await readPerson(deps.esia, tokens);
    } catch (err) {
      deps.consent.log.warn({ code: (err as { code?: unknown }).code }, 'ESIA login for the cabinet failed');
      await kv.delete(`cabinet:${current.id}`);
      return page(ctx, errorPage('Не удалось войти', 'Вход через Госуслуги не завершился. Откройте кабинет родителя ещё раз.'), 400);
    }
    const { person, kids } = read;
    const minimum = deps.consent.config.cabinetMinLevel;
    if (person.deleted || person.child || !meetsLevel(person.level, minimum)) {
      await kv.delete(`cabinet:${current.id}`);
      const reason = person.deleted ? 'account_deleted' : person.child ? 'child_account' : 'cabinet_level_too_low';
      await deps.auditRefusal(person.oid, reason);
      return page(ctx, cabinetRefusalPage(reason, person.level, minimum), 403);
    }
    await rememberEsiaChildren(deps.consent, person.oid, kids);
    // A fresh session id after login (no fixation).
    await kv.delete(`cabinet:${current.id}`);
    const id = randomBytes(24).toString('base64url');
    await kv.set(`cabinet:${id}`, { csrf: randomBytes(24).toString('base64url'), oid: person.oid, level: person.level } satisfies CabinetSession, SESSION_TTL);
    ctx.cookies.set(COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/cabinet', overwrite: true });
    ctx.redirect('/cabinet');
  });

  /** Every POST of a logged-in parent: session, CSRF, then the action; a refusal is a fixed page. */
  const action = (run: (ctx: Context, session: Required<Pick<CabinetSession, 'oid' | 'level'>>) => Promise<string>) => async (ctx: Context) => {
    const current = await sessionOf(ctx);
    if (!current?.session.oid || !current.session.level || !csrfOk(ctx, current.session)) {
      return page(ctx, errorPage('Запрос отклонён', 'Откройте кабинет родителя ещё раз.'), 403);
    }
    const done = await run(ctx, { oid: current.session.oid, level: current.session.level });
    if (done === 'not_found') return page(ctx, errorPage('Запрос не найден', 'Такого запроса нет среди запросов ваших детей. Откройте кабинет родителя ещё раз.'), 404);
    ctx.status = 303;
    ctx.redirect(`/cabinet?done=${done}`);
  };

  const idOf = (ctx: Context) => String((ctx.request.body as Record<string, unknown> | undefined)?.consent ?? '');

  router.post(
    '/cabinet/consents/approve',
    action(async (ctx, parent) => {
      const result = await decide(deps.consent, idOf(ctx), parent, 'granted');
      return result.ok ? 'granted' : result.reason === 'closed' ? 'closed' : 'not_found';
    }),
  );
  router.post(
    '/cabinet/consents/decline',
    action(async (ctx, parent) => {
      const result = await decide(deps.consent, idOf(ctx), parent, 'declined');
      return result.ok ? 'declined' : result.reason === 'closed' ? 'closed' : 'not_found';
    }),
  );
  router.post(
    '/cabinet/consents/revoke',
    action(async (ctx, parent) => {
      const result = await revoke(deps.consent, idOf(ctx), { kind: 'person', id: parent.oid }, (r) => eligibilityOf(r, parent.oid) !== undefined, 'by_parent');
      return result.ok ? 'revoked' : result.reason === 'closed' ? 'closed' : 'not_found';
    }),
  );
  router.post(
    '/cabinet/links/unlink',
    action(async (ctx, parent) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const journalId = typeof body.journal === 'string' ? body.journal : '';
      const accountId = typeof body.account === 'string' ? body.account : '';
      const done = await unlinkAccount(deps.unlink, { journalId, accountId, actor: { kind: 'person', id: parent.oid }, expectedOid: parent.oid, reason: 'by_person' });
      return done ? 'unlinked' : 'not_found';
    }),
  );
  router.post('/cabinet/logout', async (ctx) => {
    const current = await sessionOf(ctx);
    if (current && csrfOk(ctx, current.session)) await kv.delete(`cabinet:${current.id}`);
    ctx.cookies.set(COOKIE, '', { path: '/cabinet', maxAge: 0, overwrite: true });
    ctx.status = 303;
    ctx.redirect('/cabinet');
  });

  /** Everything the cabinet shows a parent, read fresh. */
  async function viewFor(oid: string, csrf: string): Promise<CabinetView> {
    const accountCache = new Map<string, JournalAccount | undefined>();
    let journalDown = false;
    const accountOf = async (ref: AccountRef): Promise<JournalAccount | undefined> => {
      const key = `${ref.journalId}\u0000${ref.accountId}`;
      if (!accountCache.has(key)) {
        let account: JournalAccount | undefined;
        try {
          account = await deps.consent.adapters.get(ref.journalId)?.getAccount(ref.accountId);
        } catch (err) {
          if (!isAdapterError(err)) throw err;
          journalDown = true;
        }
        accountCache.set(key, account);
      }
      return accountCache.get(key);
    };
    const describeRecord = async (r: ConsentRecord) => {
      const first = r.pupilAccounts[0];
      const account = first ? await accountOf(first) : undefined;
      return { record: r, pupil: account, evidence: eligibilityOf(r, oid) };
    };
    const records = await deps.consent.store.forParent(oid);
    const now = deps.consent.clock().getTime();
    const pending = records.filter((r) => r.state === 'pending' && Date.parse(r.expiresAt) > now);
    const granted = records.filter((r) => r.state === 'granted');
    const links = await deps.unlink.links.linksOf(oid);
    const children: CabinetView['children'] = [];
    for (const link of links.filter((l) => l.role === 'parent')) {
      const adapter = deps.consent.adapters.get(link.journalId);
      if (!adapter || !hasRelations(adapter)) continue;
      let kids: JournalAccount[] = [];
      try {
        kids = await adapter.childrenOf(link.accountId);
      } catch (err) {
        if (!isAdapterError(err)) throw err;
        journalDown = true;
      }
      for (const kid of kids) {
        if (children.some((c) => c.account.journalId === kid.journalId && c.account.accountId === kid.accountId)) continue;
        const pupilOid = await deps.unlink.links.personOf(kid.journalId, kid.accountId);
        const open = pupilOid ? await deps.consent.store.openOf(pupilOid) : undefined;
        children.push({ account: kid, esiaLinked: pupilOid !== undefined, consent: open?.state });
      }
    }
    return {
      csrf,
      pending: await Promise.all(pending.map(describeRecord)),
      granted: await Promise.all(granted.map(describeRecord)),
      history: await Promise.all(records.filter((r) => !pending.includes(r)).map(describeRecord)),
      children,
      links: links.map((l) => ({ link: l, journalName: deps.journalNames.get(l.journalId) ?? l.journalId })),
      journalDown,
      timeZone: deps.timeZone,
    };
  }
}
