/**
 * Observability of a real broker over HTTP: logins driven through mock-esia show up in /metrics by
 * outcome and reason, ESIA calls and signatures in their histograms; every response carries a request
 * id that also marks the log lines; the pino logs of whole logins hold no personal data; /metrics can
 * want a bearer token; /healthz answers.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createPinoLogger } from '../../core/pino-log.ts';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { sample } from '../helpers/metrics.ts';
import { CLIENT_ID, CLIENT_SECRET, csrfOf, follow, JOURNAL_ID, passEsia, RP_REDIRECT, startAuthorization, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

const METRICS_TOKEN = 'a-metrics-token-of-at-least-32-characters';

function actionOf(page: string, base: string): string {
  const m = /<form method="post" action="([^"]+)"/.exec(page);
  if (!m) throw new Error('no form on the page');
  return new URL(m[1]!.replace(/&amp;/g, '&'), base).toString();
}

describe('broker observability', () => {
  let env: BrokerEnv;
  const lines: string[] = [];
  const logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    env = await startBroker({ log: createPinoLogger('broker', { level: 'debug', destination }), brokerConfig: { metrics: { token: METRICS_TOKEN } } });
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'manual-password', linkedAt: new Date().toISOString() });
  });
  afterAll(() => env?.close());

  const metrics = async () => {
    const response = await fetch(`${env.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('counts a completed and a refused login, and times ESIA calls and signatures with their labels', async () => {
    const before = await metrics();
    expect(sample(before, 'broker_logins_total', { outcome: 'success', reason: 'esia' })).toBeUndefined();

    const ok = new ScriptedBrowser();
    const first = await startAuthorization(env, { role: 'parent' });
    const esiaLogin = await follow(ok, first.url);
    const back = await passEsia(ok, esiaLogin.url, 'parent-ivanova');
    expect(back.url.startsWith(RP_REDIRECT)).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(first.config, new URL(back.url), { pkceCodeVerifier: first.verifier, expectedState: first.state });
    expect(tokens.claims()!.sub).toBe('p-1001');

    const refused = new ScriptedBrowser();
    const second = await startAuthorization(env, { role: 'parent' });
    const refusal = await passEsia(refused, (await follow(refused, second.url)).url, 'no-journal-volkov');
    const page = await refusal.response.text();
    const returned = await submit(refused, actionOf(page, env.url), { csrf: csrfOf(page) });
    expect(new URL(returned.url).searchParams.get('error_description')).toBe('no_linked_account');

    const after = await metrics();
    expect(sample(after, 'broker_logins_total', { outcome: 'success', reason: 'esia' })).toBe(1);
    expect(sample(after, 'broker_logins_total', { outcome: 'refused', reason: 'no_linked_account' })).toBe(1);
    // Going back to the journal from the refusal page: the login ends there, with the refusal's reason.
    expect(sample(after, 'broker_logins_total', { outcome: 'aborted', reason: 'no_linked_account' })).toBe(1);
    expect(sample(after, 'broker_esia_request_duration_seconds_count', { endpoint: 'token', code: 'ok' })).toBe(2);
    expect(sample(after, 'broker_esia_request_duration_seconds_count', { endpoint: 'person', code: 'ok' })).toBe(2);
    const tokenSeconds = sample(after, 'broker_esia_request_duration_seconds_sum', { endpoint: 'token', code: 'ok' })!;
    expect(tokenSeconds).toBeGreaterThan(0);
    expect(tokenSeconds).toBeLessThan(10);
    expect(sample(after, 'broker_esia_request_duration_seconds_bucket', { endpoint: 'token', code: 'ok', le: '+Inf' })).toBe(2);
    // Two authorization requests and two token requests were signed.
    expect(sample(after, 'broker_signer_duration_seconds_count', { signer: 'software' })).toBe(4);
  });

  it('counts links by method and outcome, and unlinks by who removed them', async () => {
    const browser = new ScriptedBrowser();
    const rp = await startAuthorization(env, { role: 'parent' });
    const back = await passEsia(browser, (await follow(browser, rp.url)).url, 'parent-smirnova');
    expect(back.url.startsWith(RP_REDIRECT)).toBe(true);
    const unlinked = await fetch(`${env.url}/api/journal/unlink`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: 'p-1004' }),
    });
    expect(unlinked.status).toBe(204);
    const text = await metrics();
    expect(sample(text, 'broker_links_total', { method: 'auto', outcome: 'linked' })).toBe(1);
    expect(sample(text, 'broker_unlinks_total', { actor: 'journal' })).toBe(1);
    expect(sample(text, 'broker_logins_total', { outcome: 'success', reason: 'esia' })).toBe(2);
  });

  it('labels a failed ESIA call with its error code', async () => {
    env.esia.app.esia.faults.set({ endpoints: { te: { status: 503 } } });
    try {
      const browser = new ScriptedBrowser();
      const { url } = await startAuthorization(env, { role: 'parent' });
      const page = await passEsia(browser, (await follow(browser, url)).url, 'parent-ivanova');
      expect(await page.response.text()).toContain('Госуслуги');
    } finally {
      env.esia.app.esia.faults.clear();
    }
    const text = await metrics();
    expect(sample(text, 'broker_esia_request_duration_seconds_count', { endpoint: 'token', code: 'ERR_ESIA_UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'broker_logins_total', { outcome: 'refused', reason: 'esia_unavailable' })).toBe(1);
  });

  it('wrote no personal data to the logs of these logins, and marked each line of a request with its id', () => {
    // Without what is random or varies per run (request ids, times, the pid, interaction uids in
    // paths): the digits of a document number turned up inside a request id by chance.
    const all = logs()
      .map(({ reqId: _reqId, time: _time, pid: _pid, ...rest }) => JSON.stringify(rest).replace(/\/interaction\/[\w-]+/g, '/interaction/<uid>'))
      .join('\n');
    expect(all).toContain('"msg":"request"');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of ['112-233-445 95', '11223344595', 'Иванова', 'Мария', 'Петровна', 'Волков', 'ivanova.mp@example.ru', '3615', '481516']) {
      expect(all, `"${secret}" leaked`).not.toContain(secret);
    }
    const requests = logs().filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(5);
    for (const r of requests) expect(String(r.reqId)).toMatch(/^[A-Za-z0-9._-]{8,64}$/);
    expect(new Set(requests.map((r) => r.reqId)).size).toBe(requests.length);
    // A finished login's callback is logged as it came, not as the authorization it resumed.
    expect(requests.some((r) => /^\/interaction\/[\w-]+\/esia$/.test(String(r.path)) && r.status === 303)).toBe(true);
    // A line written deep inside a request (after the ESIA call failed) carries that request's id.
    const failed = logs().find((l) => l.msg === 'ESIA login failed');
    expect(failed?.reqId).toBeDefined();
    expect(requests.find((r) => r.reqId === failed!.reqId)).toMatchObject({ path: expect.stringMatching(/^\/interaction\/[\w-]+\/esia$/) });
  });

  it('keeps a sane incoming X-Request-Id, replaces any other, and echoes it in the response and the logs', async () => {
    const kept = await fetch(`${env.url}/.well-known/openid-configuration`, { headers: { 'x-request-id': 'lb-7f3a9c21-0001' } });
    expect(kept.status).toBe(200);
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a9c21-0001');
    expect(logs().find((l) => l.reqId === 'lb-7f3a9c21-0001')).toMatchObject({ msg: 'request', status: 200, path: '/.well-known/openid-configuration' });

    for (const bad of ['<script>alert(1)</script>', 'short', 'x'.repeat(65), 'a b c d e f g h']) {
      const replaced = await fetch(`${env.url}/interaction/nope`, { headers: { 'x-request-id': bad } });
      expect(replaced.status).toBe(400);
      const id = replaced.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(logs().find((l) => l.reqId === id)).toMatchObject({ path: '/interaction/nope', status: 400 });
    }
    expect(lines.join('\n')).not.toContain('<script>');
  });

  it('logs an unreadable request with its id through the app error handler, and shows no details', async () => {
    const response = await fetch(`${env.url}/api/journal/unlink`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'broken-body-0001' },
      body: '{"accountId": "p-1001", "snils": "112-233-445 95"',
    });
    expect(response.headers.get('x-request-id')).toBe('broken-body-0001');
    const page = await response.text();
    expect(page).not.toMatch(/SyntaxError|at .*\.js|node_modules/);
    expect(response.status).toBe(400);
    const failed = logs().find((l) => l.reqId === 'broken-body-0001' && l.msg === 'request refused: unreadable body');
    expect(failed).toMatchObject({ level: 'info', status: 400, path: '/api/journal/unlink' });
    expect(logs().find((l) => l.reqId === 'broken-body-0001' && l.msg === 'request')).toMatchObject({ status: response.status });
    expect(lines.join('\n')).not.toContain('112-233-445 95');
  });

  it('serves /metrics only with the bearer token when one is configured', async () => {
    expect((await fetch(`${env.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${env.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${env.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    expect(await metrics()).toContain('# TYPE broker_redis_errors_total counter');
  });

  it('answers /healthz, and /readyz with the keys loaded (memory store: nothing else to check)', async () => {
    const health = await fetch(`${env.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${env.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { keys: 'ok' } });
  });
});
