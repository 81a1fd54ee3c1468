/**
 * Linking at login, end to end (openid-client, the broker, mock-esia, the SQL adapter over a real
 * PostgreSQL): automatic by SNILS or by full name and birth date for confirmed accounts, never a guess
 * between namesakes, linking by hand with the school password, a conflict with another person's link,
 * and brute force against the manual link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { codeGrant, csrfOf, firstFormAction as actionOf, follow, JOURNAL_ID, loginThroughEsia, passEsia, startAuthorization, startBroker, submit, type Authorization, type BrokerEnv } from '../helpers/broker.ts';

let env: BrokerEnv;
beforeAll(async () => {
  // Linking is the subject here: pupils' logins are not held for a parent's consent (see test/consent).
  env = await startBroker({ journal: 'sql', brokerConfig: { linking: { maxFailuresPerPerson: 3 }, consent: { enabled: false } } });
});
afterAll(() => env?.close());


/** Logs in through ESIA as `persona` with `role`; returns the browser, the stop reached and the RP bits. */
const loginAs = (persona: string, role: string, browser?: ScriptedBrowser) => loginThroughEsia(env, persona, { role }, { browser });

async function subOf(rp: Authorization, url: string): Promise<string> {
  return String((await codeGrant(rp, url)).claims()!.sub);
}

describe('linking at login', () => {
  it('links a confirmed pupil automatically by SNILS', async () => {
    const { stop, rp } = await loginAs('pupil-smirnov', 'pupil');
    expect(await subOf(rp, stop.url)).toBe('s-2003');
    const [link] = await env.broker.links.linksOf('1000000004', { journalId: JOURNAL_ID });
    expect(link).toMatchObject({ accountId: 's-2003', method: 'auto' });
    const { entries } = await env.broker.audit.query({ journalId: JOURNAL_ID, accountId: 's-2003' });
    expect(entries).toEqual([expect.objectContaining({ action: 'link', outcome: 'ok', method: 'auto', evidence: ['snils'], esiaOid: '1000000004' })]);
  });

  it('links a confirmed parent automatically by full name and birth date when the journal has no SNILS', async () => {
    const { stop, rp } = await loginAs('parent-smirnova', 'parent');
    expect(await subOf(rp, stop.url)).toBe('p-1004');
  });

  it('never guesses between namesakes: offers linking by hand, which then works', async () => {
    const { browser, stop, rp } = await loginAs('namesake-morozov-1', 'parent');
    const page = await stop.response.text();
    expect(page).toContain('Свяжите учётную запись журнала');
    expect(page).toContain('нашлось несколько');
    expect(await env.broker.links.linksOf('1000000012')).toEqual([]);
    expect((await env.broker.audit.query({ esiaOid: '1000000012' })).entries[0]).toMatchObject({ action: 'link_attempt', reason: 'ambiguous_match', method: 'auto' });
    const back = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page), login: 'morozov.d', password: 'papa-1007' });
    expect(await subOf(rp, back.url)).toBe('p-1007');
    const [link] = await env.broker.links.linksOf('1000000012');
    expect(link).toMatchObject({ accountId: 'p-1007', method: 'manual-password' });
  });

  it('refuses an account already linked to another person, saying to ask the school', async () => {
    const { browser, stop } = await loginAs('namesake-morozov-2', 'parent');
    const page = await stop.response.text();
    const refused = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page), login: 'morozov.d', password: 'papa-1007' });
    const html = await refused.response.text();
    expect(html).toContain('уже связана с другой учётной записью Госуслуг');
    expect(await env.broker.links.personOf(JOURNAL_ID, 'p-1007')).toBe('1000000012');
    const { entries } = await env.broker.audit.query({ esiaOid: '1000000013' });
    expect(entries).toEqual([
      expect.objectContaining({ action: 'link_attempt', reason: 'ambiguous_match', method: 'auto' }),
      expect.objectContaining({ action: 'link', outcome: 'refused', reason: 'linked_to_another_person', accountId: 'p-1007' }),
    ]);
  });

  it('does not link a standard account automatically; the pupil links by hand', async () => {
    const { browser, stop, rp } = await loginAs('pupil-ivanov', 'pupil');
    const page = await stop.response.text();
    expect(page).toContain('Мы не нашли учётную запись журнала');
    const back = await submit(browser, actionOf(page, env.url), { csrf: csrfOf(page), login: 'ivanov.p', password: 'uchenik-2001' });
    expect(await subOf(rp, back.url)).toBe('s-2001');
  });

  it('answers every failure the same way and locks the person out after repeated failures', async () => {
    const { browser, stop } = await loginAs('pupil-kuznetsova', 'pupil');
    const page = await stop.response.text();
    const form = actionOf(page, env.url);
    const csrf = csrfOf(page);
    const texts: string[] = [];
    for (const [login, password] of [
      ['nobody', 'x'],
      ['kuznetsova.e', 'wrong'],
      ['ivanova.m', 'mama-1001'],
    ]) {
      const response = await browser.post(form, { csrf, login: login!, password: password! });
      expect(response.status).toBe(401);
      texts.push((await response.text()).replace(/value="[^"]*"/g, ''));
    }
    // A right password of another role's account, an unknown login and a wrong password read the same.
    expect(new Set(texts).size).toBe(1);
    const locked = await browser.post(form, { csrf, login: 'kuznetsova.e', password: 'uchenik-2004' });
    expect(locked.status).toBe(401);
    const { entries } = await env.broker.audit.query({ esiaOid: '1000000006' });
    expect(entries.map((e) => e.reason)).toEqual(['wrong_credentials', 'wrong_credentials', 'other_role', 'locked']);
    expect(await env.broker.links.linksOf('1000000006')).toEqual([]);
  });
});

describe('automatic linking of a teacher at two schools', () => {
  let two: BrokerEnv;
  beforeAll(async () => {
    two = await startBroker({ journal: 'sql' });
  });
  afterAll(() => two?.close());

  it('links every account SNILS finds (one person), then lets her pick the school', async () => {
    const browser = new ScriptedBrowser();
    const rp = await startAuthorization(two, { role: 'staff' });
    const stop = await passEsia(browser, (await follow(browser, rp.url)).url, 'teacher-sokolova');
    const page = await stop.response.text();
    expect(page).toContain('Выберите школу');
    expect((await two.broker.links.linksOf('1000000010')).map((l) => l.accountId).sort()).toEqual(['t-3001', 't-3002']);
  });
});
