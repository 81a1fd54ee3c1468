/**
 * Consent events for the outside world. Each change of a request queues its event in the consent
 * store's outbox in the same atomic step as the change (a Redis Stream with a consumer group, shared by
 * every instance). A worker in each instance takes events and POSTs each to the configured URL as a JWT
 * signed with the broker's token key (`Content-Type: application/jwt`, `typ: consent-event+jwt`),
 * verifiable with the broker's published JWKS. It names accounts, never people: the pupil's journal
 * accounts and the journal accounts of the eligible parents, so the journal can tell those parents in
 * its own messages, plus the cabinet's address.
 *
 * Delivery is at least once: an event is acknowledged only after the receiver answered 2xx (or a 4xx
 * other than 429, which retrying cannot fix). One that failed, or whose instance died while holding
 * it, is taken over by any instance after `retryAfterMs`; after `maxAttempts` tries by one instance it
 * is given up and logged. Receivers deduplicate by `jti` (the outbox entry's id). A receiver that is
 * down never holds up a login.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { createOutbound } from '../../core/outbound.ts';
import type { Logger } from '../../core/log.ts';
import type { ConsentOutbox, OutboxEntry } from './store.ts';

export interface WebhookOptions {
  url: string;
  issuer: string;
  signingJwk: JWK & { kid: string; alg: string };
  outbox: ConsentOutbox;
  log: Logger;
  clock: () => Date;
  /** How often the worker looks for events, ms (default 1 s). */
  pollMs?: number;
  /** An event not acknowledged this long is taken over (retried), ms (default 30 s). */
  retryAfterMs?: number;
  /** Tries of one event by one instance before it is given up (default 8). */
  maxAttempts?: number;
}

export interface ConsentWebhook {
  /** Delivers what is waiting now (new events, and stale ones past `retryAfterMs`); resolves when done. */
  flush(): Promise<void>;
  /** Stops the worker (in-flight deliveries finish). */
  stop(): Promise<void>;
}

export function createConsentWebhook(options: WebhookOptions): ConsentWebhook {
  const outbound = createOutbound({ timeoutMs: 5_000, retries: 0 });
  const consumer = randomUUID();
  const retryAfterMs = options.retryAfterMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const attempts = new Map<string, number>();
  let key: ReturnType<typeof importJWK> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const sign = async (entry: OutboxEntry) => {
    key ??= importJWK(options.signingJwk, options.signingJwk.alg);
    const { record } = entry;
    return new SignJWT({
      event: entry.event,
      consent: {
        id: record.id,
        state: record.state,
        requestedAt: record.requestedAt,
        pupilAccounts: record.pupilAccounts,
        parentAccounts: record.eligible.flatMap((p) => p.accounts ?? []),
        ...(record.decision ? { decidedAt: record.decision.at } : {}),
        ...(record.revocation ? { revokedAt: record.revocation.at } : {}),
      },
      cabinetUrl: `${options.issuer}/cabinet`,
    })
      .setProtectedHeader({ alg: options.signingJwk.alg, kid: options.signingJwk.kid, typ: 'consent-event+jwt' })
      .setIssuer(options.issuer)
      .setAudience(options.url)
      .setIssuedAt(Math.floor(options.clock().getTime() / 1000))
      .setJti(entry.id)
      .sign(await key);
  };

  /** True when the event is done with (delivered, or not worth retrying). */
  const deliver = async (entry: OutboxEntry): Promise<boolean> => {
    try {
      const response = await outbound(options.url, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: await sign(entry) });
      await response.body?.cancel();
      if (response.ok) return true;
      options.log.warn({ status: response.status, event: entry.event }, 'consent webhook refused the event');
      return response.status < 500 && response.status !== 429;
    } catch (err) {
      options.log.warn({ code: (err as { code?: unknown }).code, event: entry.event }, 'consent webhook unreachable');
      return false;
    }
  };

  const handle = async (entry: OutboxEntry) => {
    const tries = (attempts.get(entry.id) ?? 0) + 1;
    attempts.set(entry.id, tries);
    const done = await deliver(entry);
    if (!done && tries < maxAttempts) return;
    if (!done) options.log.error({ event: entry.event, consentId: entry.record.id, attempts: tries }, 'consent webhook gave up');
    attempts.delete(entry.id);
    await options.outbox.ack(entry.id);
  };

  const cycle = async () => {
    const batches = [await options.outbox.reclaim(consumer, retryAfterMs, 20)];
    for (;;) {
      const fresh = await options.outbox.read(consumer, 20);
      if (!fresh.length) break;
      batches.push(fresh);
    }
    for (const batch of batches) await Promise.all(batch.map(handle));
  };

  const run = () =>
    (running ??= cycle()
      .catch((err: unknown) => options.log.warn({ message: (err as Error).message }, 'consent webhook cannot read its queue'))
      .finally(() => (running = undefined)));

  const timer = setInterval(() => {
    if (!stopped) void run();
  }, options.pollMs ?? 1_000);
  timer.unref();

  return {
    async flush() {
      if (running) await running;
      await run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
