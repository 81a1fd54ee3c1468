/**
 * The admin API over real HTTP against a real broker, on a real Redis store and on the memory store
 * (the SQL journal on a real PostgreSQL): bearer tokens and scopes, journals and clients without
 * secrets, finding links, unlinking (sessions end, back-channel logout), the audit log page by page and
 * exported, lockouts after real failed school logins, consents found and revoked, and an audit entry
 * for every admin action.
 */
import { createHash, randomBytes } from 'node:crypto';
import Koa from 'koa';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { brokerSchema } from '../../config/broker.ts';
import { silentLogger } from '../../core/log.ts';
import { createAdminApi } from '../../broker/admin/routes.ts';
import type { AdminDeps } from '../../broker/admin/deps.ts';
import { createAuditLog } from '../../broker/audit/log.ts';
import { createTestStores } from '../helpers/stores.ts';
import type { AuditEntry } from '../../broker/audit/log.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { ScriptedBrowser } from '../helpers/mock-esia.ts';
import { CLIENT_SECRET, codeGrant, csrfOf, follow, JOURNAL_ID, loginThroughEsia, RP_REDIRECT, startAuthorization, startBroker, submit, type BrokerEnv } from '../helpers/broker.ts';

const READ_TOKEN = randomBytes(32).toString('base64url');
const WRITE_TOKEN = randomBytes(32).toString('base64url');
const PUBLIC_JWK = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), alg: 'ES256', kid: 'k-1' };
let env: BrokerEnv;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;

const api = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${env.url}/api/admin/${path}`, { ...init, headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers } });
const read = (path: string) => api(path, { token: READ_TOKEN });
const write = (path: string, method = 'DELETE') => api(path, { token: WRITE_TOKEN, method });
/** Every entry in this broker's store (memory, or its own Redis key prefix), in time order. */
async function allEntries(): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.broker.audit.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

describe.each(['redis', 'memory'] as const)('the admin API on the %s store', (store) => {
  beforeAll(async () => {
    receiver = await startBackchannelReceiver();
    env = await startBroker({
      store,
      journal: 'sql',
      brokerConfig: {
        allowPrivateNetworkCallbacks: true,
        schoolLogin: { maxFailuresPerAccount: 3, maxFailuresPerAddress: 50, windowSeconds: 900 },
        clients: [
          { clientId: 'journal-api', name: 'Журнал', clientSecret: CLIENT_SECRET, redirectUris: [RP_REDIRECT], backchannelLogoutUri: receiver.url, journal: JOURNAL_ID },
          { clientId: 'journal-keys', name: 'Журнал', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [PUBLIC_JWK] }, redirectUris: [RP_REDIRECT], journal: JOURNAL_ID },
          { clientId: 'regional-portal', name: 'Региональный портал', clientSecret: CLIENT_SECRET, tokenEndpointAuthMethod: 'client_secret_post', redirectUris: [RP_REDIRECT] },
        ],
        admin: {
          tokens: [
            { name: 'auditor', token: READ_TOKEN, scopes: ['read'] },
            { name: 'operator', tokenSha256: createHash('sha256').update(WRITE_TOKEN).digest('hex'), scopes: ['read', 'write'] },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  describe('authentication and scopes', () => {
    it('serves the OpenAPI document without a token and nothing else', async () => {
      const doc = await api('openapi.json');
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
      for (const path of ['journals', 'links?esiaOid=1', 'audit', 'no-such-thing']) {
        const response = await api(path);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(await response.json()).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
      }
      for (const bad of [`${READ_TOKEN}x`, READ_TOKEN.slice(1), 'short', '']) {
        expect((await api('journals', { token: bad })).status).toBe(401);
      }
      expect((await api('journals', { headers: { authorization: `Basic ${READ_TOKEN}` } })).status).toBe(401);
      expect((await read('journals')).status).toBe(200);
      expect((await api('journals', { token: WRITE_TOKEN })).status).toBe(200);
    });

    it('refuses a read token a write action (403, audited) and answers unknown paths with 404 JSON', async () => {
      await env.broker.links.link({ esiaOid: '1000000099', journalId: JOURNAL_ID, accountId: 'scope-1', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
      const refused = await api(`links/${JOURNAL_ID}/scope-1`, { token: READ_TOKEN, method: 'DELETE' });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');
      expect(await refused.json()).toMatchObject({ error: 'insufficient_scope' });
      expect(await env.broker.links.personOf(JOURNAL_ID, 'scope-1')).toBe('1000000099');
      const lockout = await api('lockouts/link-person?esiaOid=1000000099', { token: READ_TOKEN, method: 'DELETE' });
      expect(lockout.status).toBe(403);
      const entries = await allEntries();
      expect(entries).toContainEqual(expect.objectContaining({ action: 'admin_unlink', outcome: 'refused', reason: 'missing_scope', actor: { kind: 'admin', id: 'auditor' } }));
      expect(entries).toContainEqual(expect.objectContaining({ action: 'admin_lockout_cleared', outcome: 'refused', reason: 'missing_scope' }));
      const unknown = await read('no-such-thing');
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: 'not_found' });
    });

    /** The admin API alone on a Koa app, with this broker's parts unless overridden. */
    const adminApp = (overrides: Partial<AdminDeps>) =>
      new Koa().use(
        createAdminApi({
          provider: env.broker.provider,
          clients: [],
          links: env.broker.links,
          audit: env.broker.audit,
          kv: env.kv,
          log: silentLogger,
          clock: () => new Date(),
          snapshotKey: (j, a) => `account:${j}:${a}`,
          config: brokerSchema.parse({}),
          adapters: new Map(),
          journalNames: new Map(),
          consent: {
            store: env.broker.consents,
            links: env.broker.links,
            adapters: new Map(),
            config: brokerSchema.parse({}).consent,
            policyVersion: 'test',
            clock: () => new Date(),
            log: silentLogger,
            endSessions: async () => {},
          },
          ...overrides,
        }),
      );

    it('is off without configured tokens: 404 for everything', async () => {
      const app = adminApp({});
      for (const path of ['openapi.json', 'journals', 'audit']) {
        const response = await request(app.callback()).get(`/api/admin/${path}`).set('authorization', `Bearer ${READ_TOKEN}`);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ error: 'not_found' });
      }
    });

    it('answers a failure inside with fixed JSON, no stack trace or detail', async () => {
      const broken = createTestStores('redis', 'admin-broken');
      const audit = createAuditLog(broken.stores);
      await broken.close();
      const config = brokerSchema.parse({ admin: { tokens: [{ name: 'ops', token: READ_TOKEN, scopes: ['read'] }] } });
      const response = await request(adminApp({ audit, config }).callback()).get('/api/admin/audit?journalId=x').set('authorization', `Bearer ${READ_TOKEN}`);
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'server_error', error_description: 'internal error; details are in the broker log' });
      expect(response.text).not.toMatch(/closed|redis|at \/|\.ts/i);
    });
  });

  describe('journals and clients', () => {
    it('lists them without secrets or keys', async () => {
      const journals = (await (await read('journals')).json()) as { journals: unknown[] };
      expect(journals.journals).toEqual([{ id: JOURNAL_ID, name: JOURNAL_ID, kind: 'sql', capabilities: expect.arrayContaining(['password_check']) }]);
      const response = await read('clients');
      const text = await response.text();
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toContain(PUBLIC_JWK.x);
      expect(text).not.toMatch(/clientSecret|jwks|"kty"/i);
      const { clients } = JSON.parse(text) as { clients: Array<Record<string, unknown>> };
      expect(clients.map((c) => c.clientId)).toEqual(['journal-api', 'journal-keys', 'regional-portal']);
      expect(clients.find((c) => c.clientId === 'regional-portal')).toMatchObject({ journal: null, tokenEndpointAuthMethod: 'client_secret_post' });
      expect(clients.find((c) => c.clientId === 'journal-api')).toEqual({
        clientId: 'journal-api',
        name: 'Журнал',
        journal: JOURNAL_ID,
        tokenEndpointAuthMethod: 'client_secret_basic',
        redirectUris: [RP_REDIRECT],
        postLogoutRedirectUris: [],
        linkReturnUris: [],
        backchannelLogoutUri: receiver.url,
      });
    });
  });

  describe('links', () => {
    it('finds an account’s person and a person’s links; refuses bad parameters', async () => {
      const at = new Date().toISOString();
      await env.broker.links.link({ esiaOid: '1000000010', journalId: JOURNAL_ID, accountId: 't-3001', role: 'staff', method: 'auto', linkedAt: at });
      await env.broker.links.link({ esiaOid: '1000000010', journalId: JOURNAL_ID, accountId: 't-3002', role: 'staff', method: 'manual-password', linkedAt: at });
      const byAccount = (await (await read(`links?journalId=${JOURNAL_ID}&accountId=t-3002`)).json()) as { links: Array<Record<string, unknown>> };
      expect(byAccount.links).toEqual([expect.objectContaining({ esiaOid: '1000000010', accountId: 't-3002', method: 'manual-password' })]);
      const byPerson = (await (await read('links?esiaOid=1000000010')).json()) as { links: Array<Record<string, unknown>> };
      expect(byPerson.links.map((l) => l.accountId)).toEqual(['t-3001', 't-3002']);
      expect(await (await read(`links?journalId=${JOURNAL_ID}&accountId=nobody`)).json()).toEqual({ links: [] });
      for (const bad of ['links', 'links?esiaOid=12ab', `links?journalId=${JOURNAL_ID}`, `links?esiaOid=1&journalId=${JOURNAL_ID}&accountId=x`, 'links?esiaOid=1&esiaOid=2']) {
        const response = await read(bad);
        expect(response.status, bad).toBe(400);
        expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
      }
    });

    it('unlinks an account: its sessions end and the journal gets a back-channel logout', async () => {
      await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
      const { stop, rp } = await loginThroughEsia(env, 'parent-ivanova', { role: 'parent' }, { client: { id: 'journal-api' } });
      const login = await codeGrant(rp, stop.url);
      expect(await oidc.fetchUserInfo(rp.config, login.access_token, 'p-1001')).toMatchObject({ role: 'parent' });

      expect((await write(`links/${JOURNAL_ID}/p-1001`)).status).toBe(204);
      const again = await write(`links/${JOURNAL_ID}/p-1001`);
      expect(again.status).toBe(404);
      expect(await again.json()).toMatchObject({ error: 'not_linked' });
      expect(await env.broker.links.personOf(JOURNAL_ID, 'p-1001')).toBeUndefined();

      await expect(oidc.fetchUserInfo(rp.config, login.access_token, 'p-1001')).rejects.toThrow();
      await expect.poll(() => receiver.tokens.length).toBeGreaterThan(0);
      const { payload } = await jwtVerify(receiver.tokens.at(-1)!, createRemoteJWKSet(new URL(`${env.url}/jwks`)), { issuer: env.url, audience: 'journal-api' });
      expect(payload).toMatchObject({ sub: 'p-1001', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

      const { entries } = await env.broker.audit.query({ journalId: JOURNAL_ID, accountId: 'p-1001' });
      expect(entries.filter((e) => e.action === 'unlink' || e.action === 'admin_unlink')).toEqual([
        expect.objectContaining({ action: 'unlink', outcome: 'ok', reason: 'by_admin', actor: { kind: 'admin', id: 'operator' }, esiaOid: '1000000001' }),
        expect.objectContaining({ action: 'admin_unlink', outcome: 'refused', reason: 'not_linked', actor: { kind: 'admin', id: 'operator' } }),
      ]);
    });
  });

  describe('the audit log', () => {
    const journal = 'audit-journal';
    // Admin reads about this journal are entries about it too (recorded now): queries stop at the seeded day.
    const DAY_END = '2026-01-01T23:59:59Z';
    beforeAll(async () => {
      for (let i = 0; i < 23; i++) {
        await env.broker.audit.append({
          at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          action: 'link_attempt',
          outcome: 'refused',
          actor: { kind: 'journal', id: i === 5 ? '=HYPERLINK("http://evil")' : 'journal,"quoted"' },
          journalId: journal,
          accountId: i === 7 ? '+79990000000' : `acc-${i}`,
          reason: 'wrong_credentials',
          evidence: ['snils', 'school_password'],
        });
      }
    });

    it('pages through a query with cursors, in time order, with time filters', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const response = await read(`audit?journalId=${journal}&to=${DAY_END}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(response.status).toBe(200);
        const page = (await response.json()) as { entries: AuditEntry[]; nextCursor?: string };
        seen.push(...page.entries.map((e) => e.at));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(23);
      expect([...seen].sort()).toEqual(seen);

      const ranged = (await (await read(`audit?journalId=${journal}&from=2026-01-01T04:10:00%2B04:00&to=2026-01-01T00:12:00Z`)).json()) as { entries: AuditEntry[] };
      expect(ranged.entries.map((e) => e.accountId)).toEqual(['acc-10', 'acc-11', 'acc-12']);
      for (const bad of ['audit?limit=0', 'audit?limit=5000', 'audit?from=yesterday', 'audit?accountId=x', 'audit?cursor=garbage', 'audit?what=1']) {
        expect((await read(bad)).status, bad).toBe(400);
      }
    });

    it('exports everything matching as JSON lines and as CSV (quoted, formulas neutralised)', async () => {
      const jsonl = await read(`audit/export?format=jsonl&journalId=${journal}&to=${DAY_END}`);
      expect(jsonl.status).toBe(200);
      expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = (await jsonl.text()).trimEnd().split('\n');
      expect(lines).toHaveLength(23);
      expect(lines.map((l) => (JSON.parse(l) as AuditEntry).accountId)[7]).toBe('+79990000000');

      const csv = await read(`audit/export?format=csv&journalId=${journal}&to=2026-01-01T00:07:00Z`);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="audit.csv"');
      const rows = (await csv.text()).split('\r\n');
      expect(rows[0]).toBe('at,action,outcome,actor_kind,actor_id,esia_oid,journal_id,account_id,method,reason,evidence,request_id');
      expect(rows).toHaveLength(1 + 8 + 1); // header, 8 entries, the empty string after the last CRLF
      expect(rows[1]).toBe('2026-01-01T00:00:00.000Z,link_attempt,refused,journal,"journal,""quoted""",,audit-journal,acc-0,,wrong_credentials,snils|school_password,');
      expect(rows[6]).toContain(`,journal,"'=HYPERLINK(""http://evil"")",`);
      expect(rows[8]).toContain(`,audit-journal,"'+79990000000",`);

      expect((await read('audit/export?format=xml')).status).toBe(400);
      expect((await read('audit/export')).status).toBe(400);
    });

    it('streams a large export page by page', async () => {
      const big = 'export-journal';
      const base = Date.UTC(2026, 1, 1);
      for (let i = 0; i < 2500; i += 250) {
        await Promise.all(
          Array.from({ length: 250 }, (_, k) =>
            env.broker.audit.append({ at: new Date(base + (i + k) * 1000).toISOString(), action: 'link', outcome: 'ok', actor: { kind: 'system', id: 'bulk' }, journalId: big, accountId: `b-${i + k}` }),
          ),
        );
      }
      const started = performance.now();
      const response = await read(`audit/export?format=csv&journalId=${big}`);
      const rows = (await response.text()).trimEnd().split('\r\n');
      const ms = performance.now() - started;
      expect(rows).toHaveLength(2501);
      expect(rows.at(-1)).toContain(',b-2499,');
      console.log(`export of 2500 entries (3 pages) as CSV: ${ms.toFixed(0)} ms`);
    });
  });

  describe('lockouts', () => {
    async function schoolLoginForm(browser: ScriptedBrowser) {
      const { url } = await startAuthorization(env, {}, { id: 'journal-api' });
      const rolePage = await follow(browser, url);
      const uid = new URL(rolePage.url).pathname.split('/')[2]!;
      const formUrl = `${env.url}/interaction/${uid}/school-login`;
      return { formUrl, csrf: csrfOf(await (await browser.request(formUrl)).text()) };
    }

    it('reads a counter after failed school logins and clears it, after which the right password works', async () => {
      const browser = new ScriptedBrowser();
      const { formUrl, csrf } = await schoolLoginForm(browser);
      for (const password of ['wrong-1', 'wrong-2', 'wrong-3']) {
        expect((await browser.post(formUrl, { csrf, login: 'popov.i', password })).status).toBe(401);
      }
      expect((await browser.post(formUrl, { csrf, login: 'popov.i', password: 'uchenik-2005' })).status).toBe(401);

      const counter = `lockouts/school-account?journalId=${JOURNAL_ID}&login=%20Popov.I%20`;
      const before = await read(counter);
      expect(await before.json()).toEqual({ kind: 'school-account', failures: 4, limit: 3, locked: true, resetsInSeconds: expect.any(Number) });
      const address = (await (await read('lockouts/school-address?address=127.0.0.1')).json()) as { failures: number };
      const mapped = (await (await read('lockouts/school-address?address=::ffff:127.0.0.1')).json()) as { failures: number };
      expect(Math.max(address.failures, mapped.failures)).toBeGreaterThanOrEqual(4);

      expect((await api(counter, { token: READ_TOKEN, method: 'DELETE' })).status).toBe(403);
      expect((await write(counter)).status).toBe(204);
      expect(await (await read(counter)).json()).toMatchObject({ failures: 0, locked: false, resetsInSeconds: 0 });
      expect((await write(counter)).status).toBe(404);

      const ok = await submit(browser, formUrl, { csrf, login: 'popov.i', password: 'uchenik-2005' });
      expect(new URL(ok.url).searchParams.get('code')).toBeTruthy();

      for (const bad of ['lockouts/school-account?login=x', 'lockouts/nothing?journalId=x', 'lockouts/school-address?address=not-an-ip', `lockouts/link-person?esiaOid=1&login=x`]) {
        expect((await read(bad)).status, bad).toBe(400);
      }
      const cleared = (await allEntries()).filter((e) => e.action === 'admin_lockout_cleared');
      expect(cleared).toContainEqual(expect.objectContaining({ outcome: 'ok', method: 'school-account', journalId: JOURNAL_ID, actor: { kind: 'admin', id: 'operator' } }));
      expect(JSON.stringify(cleared)).not.toMatch(/popov/i);
    });
  });

  describe('consents', () => {
    const pupil = '1000000077';
    const parent = '1000000078';
    const id = `consent-${randomBytes(8).toString('hex')}`;

    it('finds a pupil’s consents and revokes one through the cabinet’s path (sessions end, audited)', async () => {
      const at = new Date();
      await env.broker.links.link({ esiaOid: pupil, journalId: JOURNAL_ID, accountId: 's-7700', role: 'pupil', method: 'auto', linkedAt: at.toISOString() });
      const pending = {
        id,
        version: 1,
        pupilOid: pupil,
        pupilAccounts: [{ journalId: JOURNAL_ID, accountId: 's-7700' }],
        state: 'pending' as const,
        requestedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + 30 * 86_400_000).toISOString(),
        eligible: [{ esiaOid: parent, evidence: 'journal_relation' as const }],
        kidKeys: ['snils:abcdefghijklmnopqrstuvwxyz012345'],
      };
      expect((await env.broker.consents.open(pending)).created).toBe(true);
      const granted = { ...pending, version: 2, state: 'granted' as const, decision: { outcome: 'granted' as const, parentOid: parent, evidence: 'journal_relation' as const, parentLevel: 'confirmed' as const, at: at.toISOString(), policyVersion: 'test' } };
      expect(await env.broker.consents.update({ record: granted, pointer: 'keep' })).toBe('ok');
      // The pupil is logged in: the account's snapshot is what sessions and tokens resolve through.
      await env.kv.set(`account:${JOURNAL_ID}:s-7700`, { journalId: JOURNAL_ID, accountId: 's-7700', role: 'pupil' }, 600);

      for (const query of [`pupilOid=${pupil}`, `journalId=${JOURNAL_ID}&accountId=s-7700`, `parentOid=${parent}`]) {
        const body = (await (await read(`consents?${query}`)).json()) as { consents: Array<Record<string, unknown>> };
        expect(body.consents.map((c) => [c.id, c.state]), query).toEqual([[id, 'granted']]);
        expect(body.consents[0]).not.toHaveProperty('kidKeys');
      }
      expect(await (await read('consents?pupilOid=1')).json()).toEqual({ consents: [] });
      for (const bad of ['consents', 'consents?pupilOid=x', `consents?pupilOid=${pupil}&parentOid=${parent}`]) expect((await read(bad)).status, bad).toBe(400);

      expect((await api(`consents/${id}/revoke`, { token: READ_TOKEN, method: 'POST' })).status).toBe(403);
      const tokensBefore = receiver.tokens.length;
      const revoked = await write(`consents/${id}/revoke`, 'POST');
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ consent: { id, state: 'revoked', revocation: { by: { kind: 'admin', id: 'operator' }, reason: 'by_admin' } } });
      expect((await env.broker.consents.get(id))?.state).toBe('revoked');
      expect(await env.broker.consents.openOf(pupil)).toBeUndefined();
      expect(await env.kv.get(`account:${JOURNAL_ID}:s-7700`)).toBeUndefined();
      await expect.poll(() => receiver.tokens.length).toBeGreaterThan(tokensBefore);

      const again = await write(`consents/${id}/revoke`, 'POST');
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ error: 'consent_closed', consent: { state: 'revoked' } });
      expect((await write('consents/no-such-consent-id-000/revoke', 'POST')).status).toBe(404);
      expect((await write('consents/bad!/revoke', 'POST')).status).toBe(400);

      const { entries } = await env.broker.audit.query({ esiaOid: pupil });
      expect(await allEntries()).toContainEqual(
        expect.objectContaining({ action: 'admin_consent_revoke', outcome: 'refused', reason: 'missing_scope', actor: { kind: 'admin', id: 'auditor' } }),
      );
      expect(entries.filter((e) => e.action.includes('consent'))).toEqual([
        expect.objectContaining({ action: 'consent_revoked', outcome: 'ok', reason: 'by_admin', actor: { kind: 'admin', id: 'operator' } }),
        expect.objectContaining({ action: 'admin_consent_revoke', outcome: 'refused', reason: 'consent_closed' }),
      ]);
    });
  });

  describe('the audit trail of admin actions', () => {
    it('records every admin call with the token’s name', async () => {
      const entries = (await allEntries()).filter((e) => e.actor.kind === 'admin');
      const seen = new Set(entries.map((e) => `${e.action}:${e.method ?? ''}:${e.outcome}`));
      for (const expected of [
        'admin_read:journals:ok',
        'admin_read:clients:ok',
        'admin_read:links:ok',
        'admin_read:audit:ok',
        'admin_read:lockouts:ok',
        'admin_read:consents:ok',
        'consent_revoked::ok',
        'admin_export:jsonl:ok',
        'admin_export:csv:ok',
        'unlink:auto:ok',
        'admin_unlink::refused',
        'admin_lockout_cleared:school-account:ok',
        'admin_lockout_cleared:school-account:refused',
      ]) {
        expect(seen, expected).toContain(expected);
      }
      expect(entries.find((e) => e.action === 'admin_read' && e.method === 'links' && e.esiaOid === '1000000010')).toMatchObject({ actor: { id: 'auditor' } });
    });
  });
});
