/**
 * Fault switches for reliability tests: per endpoint added latency, an HTTP 5xx, a hang or a
 * malformed JSON body; for issued tokens a bad signature, already expired tokens, or a key that ESIA
 * "rotated" without publishing it yet. Set through `createMockEsia({ faults })` or the admin route.
 */
import { z } from 'zod';
import type { Context, Next } from 'koa';
import { EsiaProtocolError } from './errors.ts';

export const ENDPOINTS = ['ac', 'te', 'rs', 'logout'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export const endpointFaultSchema = z
  .object({
    /** Added before the endpoint answers, milliseconds. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Answer with this HTTP status (5xx) and an HTML error page. */
    status: z.number().int().min(500).max(599).optional(),
    /** Never answer (until the client gives up and closes the connection). */
    hang: z.boolean().optional(),
    /** Answer 200 with a truncated JSON body. */
    malformedJson: z.boolean().optional(),
    /** ESIA under maintenance: ESIA-007008 temporarily_unavailable (a redirect on `ac`, HTTP 503 JSON elsewhere). */
    maintenance: z.boolean().optional(),
  })
  .strict();

export const faultsSchema = z
  .object({
    endpoints: z.partialRecord(z.enum(ENDPOINTS), endpointFaultSchema).default({}),
    tokens: z
      .object({
        /** Tokens' signatures are corrupted. */
        badSignature: z.boolean().optional(),
        /** Tokens are issued already expired. */
        expired: z.boolean().optional(),
        /** Tokens are signed with a new key whose certificate is not published. */
        rotatedKey: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultsSchema>;
export type FaultInput = z.input<typeof faultsSchema>;

/** The current fault switches; replaced as a whole. */
export class Faults {
  private current: FaultSettings;
  constructor(initial: FaultInput = {}) {
    this.current = faultsSchema.parse(initial);
  }
  get settings(): FaultSettings {
    return this.current;
  }
  set(input: FaultInput): FaultSettings {
    this.current = faultsSchema.parse(input);
    return this.current;
  }
  clear(): void {
    this.current = faultsSchema.parse({});
  }
}

/** Koa middleware applying an endpoint's faults before the endpoint itself runs. */
export function applyEndpointFaults(
  faults: Faults,
  endpoint: Endpoint,
  /** For `ac`: the request's redirect_uri when it may be trusted (a registered system's domain). */
  trustedRedirect?: (ctx: Context) => string | undefined,
) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const f = faults.settings.endpoints[endpoint];
    if (!f) return next();
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.hang) {
      await new Promise<void>((resolve) => {
        if (ctx.req.destroyed) resolve();
        ctx.req.socket.once('close', () => resolve());
      });
      ctx.respond = false;
      return;
    }
    if (f.status) {
      ctx.status = f.status;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = `<html><body><h1>${f.status}</h1><p>Сервис временно недоступен</p></body></html>`;
      return;
    }
    if (f.maintenance) {
      const err = new EsiaProtocolError('ESIA-007008');
      const redirectUri = endpoint === 'ac' ? trustedRedirect?.(ctx) : undefined;
      if (redirectUri) {
        const to = new URL(redirectUri);
        to.searchParams.set('error', err.error);
        to.searchParams.set('error_description', err.description);
        if (typeof ctx.query.state === 'string') to.searchParams.set('state', ctx.query.state);
        ctx.redirect(to.toString());
        return;
      }
      ctx.status = 503;
      ctx.type = 'application/json';
      ctx.body = { error: err.error, error_description: err.description };
      return;
    }
    if (f.malformedJson) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{"access_token":"eyJ2ZXIiOjEsInR5cCI6IkpXVCIs","state":';
      return;
    }
    return next();
  };
}
