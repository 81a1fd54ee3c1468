/**
 * The consent webhook's delivery from the shared outbox (real Redis): signed events verifiable with the
 * broker's key, retried while the receiver fails, taken over from an instance that died holding them,
 * dropped on a 4xx that retrying cannot fix.
 */
import { createServer, type Server } from 'node:http';
import { generateKeyPair, exportJWK, jwtVerify, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { createConsentStore, type ConsentRecord, type ConsentStore } from '../../broker/consent/store.ts';
import { createConsentWebhook, type ConsentWebhook } from '../../broker/consent/webhook.ts';
import { createTestStores, type TestStores } from '../helpers/stores.ts';

const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256' } as JWK & { kid: string; alg: string };

/** A receiver answering with the next status of `answers` (then 204), keeping what arrives. */
async function startReceiver(answers: number[]) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.statusCode = answers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/events`;
  return { url, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const record = (id: string): ConsentRecord => ({
  id,
  version: 1,
  pupilOid: '1000000002',
  pupilAccounts: [{ journalId: 'demo-journal', accountId: 's-2001' }],
  state: 'pending',
  requestedAt: '2026-11-23T10:00:00.000Z',
  expiresAt: '2026-12-23T10:00:00.000Z',
  eligible: [{ esiaOid: '1000000001', evidence: 'journal_relation', accounts: [{ journalId: 'demo-journal', accountId: 'p-1001' }] }],
  kidKeys: [],
});

describe('the consent webhook', () => {
  let test: TestStores;
  let store: ConsentStore;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const workers: ConsentWebhook[] = [];
  const worker = (retryAfterMs = 40) => {
    const w = createConsentWebhook({ url: receiver.url, issuer: 'https://broker.example.ru', signingJwk, outbox: store.outbox, log: silentLogger, clock: () => new Date(), pollMs: 60_000, retryAfterMs, maxAttempts: 3 });
    workers.push(w);
    return w;
  };

  beforeEach(() => {
    test = createTestStores('redis', 'test-webhook');
    store = createConsentStore(test.stores);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await receiver?.close();
    await test.close();
  });

  it('posts a signed event naming accounts, and retries it while the receiver fails', async () => {
    receiver = await startReceiver([503, 502]);
    await store.open(record('request-aaaaaaaaaaaaaaaa'), undefined, 'consent.requested');
    const w = worker();
    await w.flush();
    expect(receiver.bodies).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    await w.flush();
    await new Promise((r) => setTimeout(r, 60));
    await w.flush();
    expect(receiver.bodies).toHaveLength(3);
    const { payload, protectedHeader } = await jwtVerify(receiver.bodies[2]!, publicKey, { issuer: 'https://broker.example.ru', audience: receiver.url });
    expect(protectedHeader).toMatchObject({ typ: 'consent-event+jwt', kid: 'k1' });
    expect(payload).toMatchObject({
      event: 'consent.requested',
      consent: { id: 'request-aaaaaaaaaaaaaaaa', parentAccounts: [{ journalId: 'demo-journal', accountId: 'p-1001' }] },
      cabinetUrl: 'https://broker.example.ru/cabinet',
    });
    // The same event each time: one jti the receiver deduplicates by.
    const jtis = await Promise.all(receiver.bodies.map(async (b) => (await jwtVerify(b, publicKey)).payload.jti));
    expect(new Set(jtis).size).toBe(1);
    // Delivered: nothing left, even after the retry time.
    await new Promise((r) => setTimeout(r, 60));
    await w.flush();
    expect(receiver.bodies).toHaveLength(3);
  });

  it('delivers an event whose instance died holding it, from another instance', async () => {
    receiver = await startReceiver([]);
    await store.open(record('request-bbbbbbbbbbbbbbbb'), undefined, 'consent.requested');
    // The "dead" instance took it and will never acknowledge it.
    expect(await store.outbox.read('dead-instance', 10)).toHaveLength(1);
    const survivor = worker();
    await survivor.flush();
    expect(receiver.bodies).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    await survivor.flush();
    expect(receiver.bodies).toHaveLength(1);
  });

  it('gives up on a 4xx that retrying cannot fix, and after the attempts allowed', async () => {
    receiver = await startReceiver([400, 500, 500, 500]);
    await store.open(record('request-cccccccccccccccc'), undefined, 'consent.requested');
    await store.open({ ...record('request-dddddddddddddddd'), pupilOid: '1000000004' }, undefined, 'consent.requested');
    const w = worker();
    for (let i = 0; i < 5; i++) {
      await w.flush();
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(receiver.bodies).toHaveLength(4);
    expect(await store.outbox.reclaim('anyone', 0, 10)).toEqual([]);
  });
});
