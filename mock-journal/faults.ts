/**
 * Fault switches for reliability tests, per API operation (the `operationId`s of the contract) or for
 * `all` of them: added latency, an HTTP 5xx, a hang, a malformed JSON body or well-formed JSON of the
 * wrong shape. Faults act before authentication, like a proxy or a failing server in front of the
 * journal. Set through `createMockJournal({ faults })` or `app.journal.faults.set(…)`.
 */
import { z } from 'zod';
import type { Context, Next } from 'koa';
import { problem } from './problem.ts';

export const OPERATIONS = [
  'findAccounts',
  'getAccount',
  'checkPassword',
  'listParents',
  'listChildren',
  'listInstitutions',
  'putEsiaLink',
  'deleteEsiaLink',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const operationFaultSchema = z
  .object({
    /** Added before the operation answers, milliseconds. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Answer with this HTTP status (5xx) and a problem document. */
    status: z.number().int().min(500).max(599).optional(),
    /** Never answer (until the client gives up and closes the connection). */
    hang: z.boolean().optional(),
    /** Answer 200 with a truncated JSON body. */
    malformedJson: z.boolean().optional(),
    /** Answer 200 with well-formed JSON that is not the contract's shape. */
    wrongShape: z.boolean().optional(),
  })
  .strict();

export const journalFaultsSchema = z.partialRecord(z.enum([...OPERATIONS, 'all']), operationFaultSchema);
export type JournalFaultSettings = z.infer<typeof journalFaultsSchema>;
export type JournalFaultInput = z.input<typeof journalFaultsSchema>;

/** The current fault switches; replaced as a whole. */
export class JournalFaults {
  private current: JournalFaultSettings;
  constructor(initial: JournalFaultInput = {}) {
    this.current = journalFaultsSchema.parse(initial);
  }
  get settings(): JournalFaultSettings {
    return this.current;
  }
  set(input: JournalFaultInput): JournalFaultSettings {
    this.current = journalFaultsSchema.parse(input);
    return this.current;
  }
  clear(): void {
    this.current = {};
  }
}

/** Koa middleware applying an operation's faults (its own, else `all`) before it runs. */
export function applyFaults(faults: JournalFaults, operation: Operation) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const f = faults.settings[operation] ?? faults.settings.all;
    if (!f) return next();
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.hang) {
      await new Promise<void>((resolve) => {
        if (ctx.req.socket.destroyed) return resolve();
        ctx.req.socket.once('close', () => resolve());
      });
      ctx.respond = false;
      return;
    }
    if (f.status) return problem(ctx, f.status, 'the journal is temporarily unavailable (fault switch)');
    if (f.malformedJson) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{"accounts":[{"accountId":"s-2001","role":';
      return;
    }
    if (f.wrongShape) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ items: [{ id: 1, name: 'Иванов Пётр' }], result: 'maybe', accountId: 42 });
      return;
    }
    return next();
  };
}
