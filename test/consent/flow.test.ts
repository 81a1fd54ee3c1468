/**
 * Parental consent over HTTP, end to end: openid-client as the journal, the broker, mock-esia and the
 * roster journal, a scripted browser per person, and a webhook receiver checking the signed events.
 * The pupil's login is held, a parent decides in the cabinet, the pupil's page continues; declines,
 * revocations, people who are not the parent, a simplified parent, turning 18 under mock-esia's clock,
 * and the under-14 rule around 29 February in the region's time zone.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { sample } from '../helpers/metrics.ts';
import { kidKeysOf } from '../../broker/consent/service.ts';
import { codeGrant, csrfOf, firstFormAction as actionOf, follow, JOURNAL_ID, loginThroughEsia, passEsia, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

const uidOf = (url: string) => /\/interaction\/([^/]+)\//.exec(new URL(url).pathname)![1]!;

/** A receiver for the consent webhook: keeps what arrives. */
async function startReceiver() {
  const bodies: { type: string; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push({ type: String(req.headers['content-type']), body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/consent-events`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const tokensOf = codeGrant;

/** Logs in as a journal would send the person: role, ESIA; returns where the broker stopped. */
const loginAs = (env: BrokerEnv, persona: string, role: string, browser?: ScriptedBrowser) =>
  loginThroughEsia(env, persona, { role, scope: 'openid profile role age_group' }, { browser });

/** The parent's cabinet: landing page, ESIA login (with the children scopes), the cabinet page. */
async function openCabinet(env: BrokerEnv, persona: string, browser = new ScriptedBrowser()) {
  const landing = await follow(browser, `${env.url}/cabinet`);
  expect(await landing.response.text()).toContain('Войти через Госуслуги');
  const posted = await browser.post(`${env.url}/cabinet/login`, {});
  const stop = await passEsia(browser, new URL(posted.headers.get('location')!, env.url).toString(), persona);
  return { browser, stop, page: await stop.response.text() };
}

const decideIn = (env: BrokerEnv, browser: ScriptedBrowser, page: string, action: 'approve' | 'decline' | 'revoke', consent: string) =>
  browser.post(`${env.url}/cabinet/consents/${action}`, { csrf: csrfOf(page), consent });

describe('parental consent', () => {
  let env: BrokerEnv;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    env = await startBroker({ store: 'redis', journal: 'sql', brokerConfig: { consent: { webhookUrl: receiver.url }, allowPrivateNetworkCallbacks: true } });
    // Ivanova (confirmed) logs in to the journal once: her parent account links itself by SNILS.
    const { stop, rp } = await loginAs(env, 'parent-ivanova', 'parent');
    expect((await tokensOf(rp, stop.url)).claims()!.sub).toBe('p-1001');
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  let ivanovRecordId = '';

  it('holds the pupil, tells the parent, and continues the pupil login the moment the parent approves', async () => {
    // Ivanov (15, standard) links his journal account with the school password, then is held.
    const { browser: pupil, stop, rp } = await loginAs(env, 'pupil-ivanov', 'pupil');
    const linkPage = await stop.response.text();
    const held = await submit(pupil, actionOf(linkPage, env.url), { csrf: csrfOf(linkPage), login: 'ivanov.p', password: 'uchenik-2001' });
    expect(held.url).toMatch(/\/interaction\/[^/]+\/consent$/);
    const waiting = await held.response.text();
    expect(waiting).toContain('Нужно согласие родителя');
    expect(waiting).toContain('Мы отправили запрос родителю');
    expect(held.response.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
    const statusUrl = `${env.url}/interaction/${uidOf(held.url)}/consent/status`;
    expect(await (await pupil.request(statusUrl)).json()).toEqual({ state: 'pending' });

    // The webhook got a signed event naming accounts, not people.
    await env.broker.webhookIdle();
    expect(receiver.bodies).toHaveLength(1);
    expect(receiver.bodies[0]!.type).toBe('application/jwt');
    const { payload, protectedHeader } = await jwtVerify(receiver.bodies[0]!.body, createRemoteJWKSet(new URL(`${env.url}/jwks`)), {
      issuer: env.url,
      audience: receiver.url,
    });
    expect(protectedHeader.typ).toBe('consent-event+jwt');
    expect(payload).toMatchObject({
      event: 'consent.requested',
      consent: { state: 'pending', pupilAccounts: [{ journalId: JOURNAL_ID, accountId: 's-2001' }], parentAccounts: [{ journalId: JOURNAL_ID, accountId: 'p-1001' }] },
      cabinetUrl: `${env.url}/cabinet`,
    });
    expect(receiver.bodies[0]!.body).not.toMatch(/Иванов/);
    ivanovRecordId = (payload.consent as { id: string }).id;

    // Her login to the journal (before any cabinet visit) read her ESIA children list.
    const ivanovKeys = kidKeysOf(await env.broker.consents.matchingSecret(), {
      lastName: 'Иванов',
      firstName: 'Пётр',
      middleName: 'Сергеевич',
      snils: '123-456-789 64',
    });
    expect(await env.broker.consents.kidParents(ivanovKeys[0]!)).toEqual(['1000000001']);

    // The journal gets nothing yet: no code while the login is held.
    const { page } = await openCabinet(env, 'parent-ivanova');
    expect(page).toContain('Иванов Пётр');
    expect(page).toContain('вы указаны родителем в электронном журнале');
    expect(page).toContain(`value="${ivanovRecordId}"`);

    // Two tabs approve at once: one decision is taken, the other is told it was already made.
    const cabinet = (await openCabinet(env, 'parent-ivanova')).browser;
    const cabinetPage = await (await follow(cabinet, `${env.url}/cabinet`)).response.text();
    const [a, b] = await Promise.all([decideIn(env, cabinet, cabinetPage, 'approve', ivanovRecordId), decideIn(env, cabinet, cabinetPage, 'approve', ivanovRecordId)]);
    expect([a.headers.get('location'), b.headers.get('location')].sort()).toEqual(['/cabinet?done=closed', '/cabinet?done=granted']);

    // The pupil's page sees it and continues by itself (a reload of the waiting page).
    expect(await (await pupil.request(statusUrl)).json()).toEqual({ state: 'granted' });
    const done = await follow(pupil, held.url);
    const tokens = await tokensOf(rp, done.url);
    expect(tokens.claims()).toMatchObject({ sub: 's-2001', acr: 'standard' });
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, 's-2001');
    expect(info).toMatchObject({ age_group: '14_17', consent_status: 'granted', role: 'pupil' });

    const record = await env.broker.consents.get(ivanovRecordId);
    expect(record).toMatchObject({ state: 'granted', decision: { parentOid: '1000000001', evidence: 'journal_relation', parentLevel: 'confirmed', policyVersion: '2026-11' } });
    const { entries } = await env.broker.audit.query({ esiaOid: '1000000002' });
    expect(entries.map((e) => e.action)).toContain('consent_granted');

    // From now on the pupil logs in normally.
    const next = await loginAs(env, 'pupil-ivanov', 'pupil');
    expect((await tokensOf(next.rp, next.stop.url)).claims()!.sub).toBe('s-2001');

    const metrics = await (await fetch(`${env.url}/metrics`)).text();
    expect(sample(metrics, 'broker_consent_requests_total', { state: 'pending' })).toBe(1);
    expect(sample(metrics, 'broker_consent_requests_total', { state: 'granted' })).toBe(1);
  });

  it('shows nothing to someone who is not the parent, and refuses their approval', async () => {
    const { stop } = await loginAs(env, 'pupil-smirnov', 'pupil');
    expect(new URL(stop.url).pathname).toMatch(/\/consent$/);
    const [record] = await env.broker.consents.historyOf('1000000004');
    // Volkov (confirmed, no children, no journal account) opens the cabinet.
    const { browser, page } = await openCabinet(env, 'no-journal-volkov');
    expect(page).toContain('Новых запросов нет');
    expect(page).not.toContain(record!.id);
    const refused = await decideIn(env, browser, page, 'approve', record!.id);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toContain('Запрос не найден');
    const forged = await browser.post(`${env.url}/cabinet/consents/approve`, { csrf: 'forged', consent: record!.id });
    expect(forged.status).toBe(403);
    expect((await env.broker.consents.get(record!.id))!.state).toBe('pending');
  });

  it('lets a parent found through the ESIA children list decline; the pupil is told and the journal gets an error', async () => {
    const { browser: pupil, stop, rp } = await loginAs(env, 'pupil-smirnov', 'pupil');
    expect(new URL(stop.url).pathname).toMatch(/\/consent$/);
    const waiting = await stop.response.text();
    expect(waiting).toContain('Мы не нашли родителя');
    // Smirnova has never used the broker; her ESIA children list names her son.
    const { browser, page } = await openCabinet(env, 'parent-smirnova');
    expect(page).toContain('ребёнок есть в списке ваших детей на Госуслугах');
    const [record] = await env.broker.consents.historyOf('1000000004');
    const declined = await decideIn(env, browser, page, 'decline', record!.id);
    expect(declined.headers.get('location')).toBe('/cabinet?done=declined');
    const told = await follow(pupil, stop.url);
    const text = await told.response.text();
    expect(text).toContain('Родитель не разрешил вход');
    const abort = /action="(\/interaction\/[^"]+\/abort)"/.exec(text)![1]!;
    const back = await submit(pupil, new URL(abort, env.url).toString(), { csrf: csrfOf(text) });
    const callback = new URL(back.url);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBe('parental_consent_declined');
    expect(rp.state).toBe(callback.searchParams.get('state'));
    expect((await env.broker.consents.get(record!.id))!.decision).toMatchObject({ outcome: 'declined', evidence: 'esia_children' });
  });

  it('ends the pupil sessions when the parent revokes; the next login is held again', async () => {
    const pupil = new ScriptedBrowser();
    const first = await loginAs(env, 'pupil-ivanov', 'pupil', pupil);
    const tokens = await tokensOf(first.rp, first.stop.url);
    const { browser, page } = await openCabinet(env, 'parent-ivanova');
    expect(page).toContain('Отозвать разрешение');
    const revoked = await decideIn(env, browser, page, 'revoke', ivanovRecordId);
    expect(revoked.headers.get('location')).toBe('/cabinet?done=revoked');
    await expect(oidc.fetchUserInfo(first.rp.config, tokens.access_token, 's-2001')).rejects.toThrow();
    // The session the pupil had is no longer enough: a new login, held again.
    const again = await loginAs(env, 'pupil-ivanov', 'pupil', pupil);
    expect(new URL(again.stop.url).pathname).toMatch(/\/consent$/);
    // An approval of the revoked request changes nothing.
    const stale = await decideIn(env, browser, await (await follow(browser, `${env.url}/cabinet`)).response.text(), 'approve', ivanovRecordId);
    expect(stale.headers.get('location')).toBe('/cabinet?done=closed');
    expect((await env.broker.consents.get(ivanovRecordId))!.state).toBe('revoked');
    const actions = (await env.broker.audit.query({ esiaOid: '1000000002' })).entries.map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('consent_'))).toEqual(['consent_requested', 'consent_granted', 'consent_revoked', 'consent_requested']);
  });

  it('refuses the cabinet to a parent with a simplified account, saying how to confirm it', async () => {
    const { stop, page } = await openCabinet(env, 'parent-kuznetsov');
    expect(stop.response.status).toBe(403);
    expect(page).toContain('Нужна подтверждённая учётная запись Госуслуг');
    expect(page).toContain('МФЦ');
    const { entries } = await env.broker.audit.query({ esiaOid: '1000000007' });
    expect(entries).toEqual([expect.objectContaining({ action: 'login_refused', reason: 'cabinet_level_too_low', method: 'cabinet' })]);
  });

  it('needs no consent from the 18th birthday (mock-esia clock), and keeps the old request for the audit', async () => {
    const { browser, stop } = await loginAs(env, 'pupil-kuznetsova', 'pupil');
    const linkPage = await stop.response.text();
    const held = await submit(browser, actionOf(linkPage, env.url), { csrf: csrfOf(linkPage), login: 'kuznetsova.e', password: 'uchenik-2004' });
    expect(new URL(held.url).pathname).toMatch(/\/consent$/);
    env.esia.app.esia.clock.advance(6 * 86_400_000);
    try {
      const adult = await loginAs(env, 'pupil-kuznetsova', 'pupil');
      const tokens = await tokensOf(adult.rp, adult.stop.url);
      expect(tokens.claims()!.sub).toBe('s-2004');
      const info = await oidc.fetchUserInfo(adult.rp.config, tokens.access_token, 's-2004');
      expect(info.age_group).toBe('adult');
      expect(info.consent_status).toBeUndefined();
      expect((await env.broker.consents.historyOf('1000000006')).map((r) => r.state)).toEqual(['pending']);
    } finally {
      env.esia.app.esia.clock.reset();
    }
  });
});

describe('the under-14 rule, counted in the region time zone (29 February birthday)', () => {
  // Novikova was born on 29.02.2012; Samara is UTC+4. She turns 14 at local midnight on 1 March 2026.
  let clock = new Date('2026-02-28T19:59:59Z');
  let env: BrokerEnv;
  beforeAll(async () => {
    env = await startBroker({ journal: 'sql', clock: () => clock });
  });
  afterAll(() => env?.close());

  it('refuses a 13-year-old, pointing to the school login', async () => {
    clock = new Date('2026-02-28T19:59:59Z');
    const { stop } = await loginAs(env, 'pupil-novikova', 'pupil');
    const page = await stop.response.text();
    expect(page).toContain('через Госуслуги входят с 14 лет');
    expect(page).toContain('школьному логину');
  });

  it('holds her login for consent from local midnight of 1 March, saying that no parent was found', async () => {
    clock = new Date('2026-02-28T20:00:00Z');
    const { browser, stop } = await loginAs(env, 'pupil-novikova', 'pupil');
    const linkPage = await stop.response.text();
    expect(linkPage.match(/<h1>[^<]*/)?.[0]).toBe('<h1>Свяжите учётную запись журнала');
    const held = await submit(browser, actionOf(linkPage, env.url), { csrf: csrfOf(linkPage), login: 'novikova.d', password: 'uchenik-2006' });
    const waiting = await held.response.text();
    expect(waiting).toContain('Мы не нашли родителя');
    const [record] = await env.broker.consents.historyOf('1000000014');
    expect(record).toMatchObject({ state: 'pending', eligible: [], requestedAt: '2026-02-28T20:00:00.000Z' });
  });
});
