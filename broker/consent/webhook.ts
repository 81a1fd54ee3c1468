/**
 * Consent events for the outside world: each change of a request is POSTed to the configured URL as a
 * JWT signed with the broker's token key (`Content-Type: application/jwt`, `typ: consent-event+jwt`),
 * verifiable with the broker's published JWKS. It names accounts, never people: the pupil's journal
 * accounts and the journal accounts of the eligible parents, so the journal can tell those parents in
 * its own messages, plus the cabinet's address. Delivery runs in the background with a few retries;
 * a receiver that is down never holds up a login.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { createOutbound } from '../../core/outbound.ts';
import type { Logger } from '../../core/log.ts';
import type { ConsentEvent } from './service.ts';
import type { ConsentRecord } from './store.ts';

export interface WebhookOptions {
  url: string;
  issuer: string;
  signingJwk: JWK & { kid: string; alg: string };
  log: Logger;
  clock: () => Date;
  /** Delays between attempts, ms (default 1 s, 5 s, 25 s). */
  backoffMs?: readonly number[];
}

export interface ConsentWebhook {
  send(event: ConsentEvent, record: ConsentRecord): void;
  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

export function createConsentWebhook(options: WebhookOptions): ConsentWebhook {
  const outbound = createOutbound({ timeoutMs: 5_000, retries: 0 });
  const backoff = options.backoffMs ?? [1_000, 5_000, 25_000];
  const inFlight = new Set<Promise<void>>();
  let key: ReturnType<typeof importJWK> | undefined;

  const sign = async (event: ConsentEvent, record: ConsentRecord) => {
    key ??= importJWK(options.signingJwk, options.signingJwk.alg);
    const parentAccounts = record.eligible.flatMap((p) => p.accounts ?? []);
    return new SignJWT({
      event,
      consent: {
        id: record.id,
        state: record.state,
        requestedAt: record.requestedAt,
        pupilAccounts: record.pupilAccounts,
        parentAccounts,
        ...(record.decision ? { decidedAt: record.decision.at } : {}),
        ...(record.revocation ? { revokedAt: record.revocation.at } : {}),
      },
      cabinetUrl: `${options.issuer}/cabinet`,
    })
      .setProtectedHeader({ alg: options.signingJwk.alg, kid: options.signingJwk.kid, typ: 'consent-event+jwt' })
      .setIssuer(options.issuer)
      .setAudience(options.url)
      .setIssuedAt(Math.floor(options.clock().getTime() / 1000))
      .setJti(randomUUID())
      .sign(await key);
  };

  const deliver = async (event: ConsentEvent, record: ConsentRecord) => {
    const jwt = await sign(event, record);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await outbound(options.url, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: jwt });
        await response.body?.cancel();
        if (response.ok) return;
        options.log.warn({ status: response.status, event, attempt }, 'consent webhook refused the event');
        if (response.status < 500 && response.status !== 429) return;
      } catch (err) {
        options.log.warn({ code: (err as { code?: unknown }).code, event, attempt }, 'consent webhook unreachable');
      }
      if (attempt >= backoff.length) {
        options.log.error({ event, consentId: record.id }, 'consent webhook gave up');
        return;
      }
      await new Promise((r) => setTimeout(r, backoff[attempt]));
    }
  };

  return {
    send(event, record) {
      const p = deliver(event, record).catch((err: unknown) => options.log.error({ message: (err as Error).message }, 'consent webhook failed'));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}
