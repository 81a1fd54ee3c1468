/**
 * The mock's own routes (not ESIA's): published certificates, and the admin API for tests and
 * vendors: fault switches, the clock, key rotation. Admin routes need `Authorization: Bearer
 * <adminToken>` when one is configured.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { MockEsiaDeps } from '../deps.ts';
import { generateSigningKey, type TokenAlg } from '../keys.ts';
import { createZip } from '../zip.ts';
import { faultsSchema } from '../faults.ts';

const clockSchema = z
  .object({
    set: z.iso.datetime({ offset: true }).optional(),
    advanceSeconds: z.number().finite().optional(),
    reset: z.literal(true).optional(),
  })
  .strict();

const rotateSchema = z.object({ alg: z.enum(['RS256', 'GOST3410_2012_256']) }).strict();

const FILE_PREFIX: Record<TokenAlg, string> = { RS256: 'RSA', GOST3410_2012_256: 'GOST2012' };

export function registerAdminRoutes(router: Router, deps: MockEsiaDeps): void {
  router.get('/mock/certs', (ctx) => {
    ctx.body = {
      RS256: deps.keys.published('RS256').map((k) => k.certificatePem),
      GOST3410_2012_256: deps.keys.published('GOST3410_2012_256').map((k) => k.certificatePem),
    };
  });
  router.get('/public/esia.zip', (ctx) => {
    const files = (['RS256', 'GOST3410_2012_256'] as const).flatMap((alg) =>
      deps.keys.published(alg).map((k, i) => ({ name: `ESIA_${FILE_PREFIX[alg]}_mock_${i + 1}.cer`, data: k.certificateDer })),
    );
    ctx.type = 'application/zip';
    ctx.attachment('esia.zip');
    ctx.body = createZip(files, deps.clock.now());
  });

  const admin = requireAdmin(deps);
  router.get('/mock/admin/faults', admin, (ctx) => {
    ctx.body = deps.faults.settings;
  });
  router.put('/mock/admin/faults', admin, (ctx) => {
    const parsed = faultsSchema.safeParse(ctx.request.body ?? {});
    if (!parsed.success) return badRequest(ctx, parsed.error);
    ctx.body = deps.faults.set(parsed.data);
  });
  router.delete('/mock/admin/faults', admin, (ctx) => {
    deps.faults.clear();
    ctx.status = 204;
  });
  router.get('/mock/admin/clock', admin, (ctx) => {
    ctx.body = { now: deps.clock.now().toISOString() };
  });
  router.post('/mock/admin/clock', admin, (ctx) => {
    const parsed = clockSchema.safeParse(ctx.request.body);
    if (!parsed.success) return badRequest(ctx, parsed.error);
    if (parsed.data.reset) deps.clock.reset();
    if (parsed.data.set) deps.clock.set(new Date(parsed.data.set));
    if (parsed.data.advanceSeconds) deps.clock.advance(parsed.data.advanceSeconds * 1000);
    ctx.body = { now: deps.clock.now().toISOString() };
  });
  router.post('/mock/admin/keys/rotate', admin, (ctx) => {
    const parsed = rotateSchema.safeParse(ctx.request.body);
    if (!parsed.success) return badRequest(ctx, parsed.error);
    const key = deps.keys.rotate(parsed.data.alg, generateSigningKey(parsed.data.alg, deps.clock.now()));
    ctx.body = { alg: key.alg, certificate: key.certificatePem };
  });
}

function badRequest(ctx: Context, error: z.ZodError): void {
  ctx.status = 400;
  ctx.body = {
    error: 'invalid_request',
    error_description: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
  };
}

function requireAdmin(deps: MockEsiaDeps) {
  const expected = deps.adminToken ? Buffer.from(`Bearer ${deps.adminToken}`) : undefined;
  return async (ctx: Context, next: Next): Promise<void> => {
    if (expected) {
      const given = Buffer.from(ctx.get('authorization'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        ctx.status = 401;
        ctx.set('WWW-Authenticate', 'Bearer');
        ctx.body = { error: 'unauthorized', error_description: 'admin token required' };
        return;
      }
    }
    await next();
  };
}
