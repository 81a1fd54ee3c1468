/**
 * A crash of the store under a running broker: a private Redis with `appendonly yes` and
 * `appendfsync always` is SIGKILLed the moment links and a consent decision are acknowledged. While it
 * is down, a login in flight gets a plain error page (no stack, no half-written state); after a restart
 * from the AOF every link, consent and audit entry is there, and the retried login goes through on the
 * consent granted before the crash.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { codeGrant, csrfOf, firstFormAction as actionOf, follow, JOURNAL_ID, loginThroughEsia, passEsia, startAuthorization, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';
import { freePort, startRedisServer, waitFor } from '../store/redis-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'consent-aof-'));
const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
let port = 0;
let server: ChildProcess | undefined;
let env: BrokerEnv;

beforeAll(async () => {
  port = await freePort();
  server = await startRedisServer(port, { args });
  env = await startBroker({ store: 'redis', journal: 'sql', redisUrl: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  await env?.close().catch(() => undefined);
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});


const loginAs = (persona: string, role: string) => loginThroughEsia(env, persona, { role });

describe('a Redis crash under the broker', () => {
  it('keeps every acknowledged link and consent, fails the login in flight cleanly, and the retry works', async () => {
    // Acknowledged before the crash: Ivanova's automatic link, Ivanov's manual link, his consent request
    // and her approval; Smirnov's automatic link and his pending request.
    await loginAs('parent-ivanova', 'parent');
    const held = await loginAs('pupil-ivanov', 'pupil');
    const linkPage = await held.stop.response.text();
    await submit(held.browser, actionOf(linkPage, env.url), { csrf: csrfOf(linkPage), login: 'ivanov.p', password: 'uchenik-2001' });
    await loginAs('pupil-smirnov', 'pupil');
    const cabinet = new ScriptedBrowser();
    const login = await cabinet.post(`${env.url}/cabinet/login`, {});
    const page = await (await passEsia(cabinet, new URL(login.headers.get('location')!, env.url).toString(), 'parent-ivanova')).response.text();
    const [ivanovConsent] = await env.broker.consents.historyOf('1000000002');
    const approved = await cabinet.post(`${env.url}/cabinet/consents/approve`, { csrf: csrfOf(page), consent: ivanovConsent!.id });
    expect(approved.headers.get('location')).toBe('/cabinet?done=granted');

    // A login is in flight (the role is chosen, the browser is at ESIA) when Redis is killed.
    const inFlight = await startAuthorization(env, { role: 'pupil' });
    const pupil = new ScriptedBrowser();
    const atEsia = (await follow(pupil, inFlight.url)).url;
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    const failed = await passEsia(pupil, atEsia, 'pupil-ivanov');
    expect(failed.response.status).toBeGreaterThanOrEqual(400);
    const text = await failed.response.text();
    expect(text).toContain('<html lang="ru">');
    expect(text).not.toMatch(/Error|at .*\.ts|ECONNREFUSED|stack/);

    server = await startRedisServer(port, { args });
    await waitFor(async () => (await env.broker.consents.get(ivanovConsent!.id).catch(() => undefined)) !== undefined, 10_000);

    expect(await env.broker.links.personOf(JOURNAL_ID, 'p-1001')).toBe('1000000001');
    expect(await env.broker.links.personOf(JOURNAL_ID, 's-2001')).toBe('1000000002');
    expect(await env.broker.links.personOf(JOURNAL_ID, 's-2003')).toBe('1000000004');
    expect(await env.broker.consents.get(ivanovConsent!.id)).toMatchObject({ state: 'granted', decision: { parentOid: '1000000001' } });
    expect((await env.broker.consents.openOf('1000000004'))?.state).toBe('pending');
    const actions = (await env.broker.audit.query({ esiaOid: '1000000002' })).entries.map((e) => e.action);
    expect(actions).toEqual(['link', 'consent_requested', 'consent_granted']);

    // The retry: a fresh login goes straight through on the consent granted before the crash.
    const retry = await loginAs('pupil-ivanov', 'pupil');
    const tokens = await codeGrant(retry.rp, retry.stop.url);
    expect(tokens.claims()!.sub).toBe('s-2001');
  });
});
