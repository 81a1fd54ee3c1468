/**
 * The operator's endpoints, answered before oidc-provider sees the request: `GET /healthz` (the
 * process serves), `GET /readyz` (Redis answers PING in time, when the store is Redis, and the
 * signing keys are loaded; 503 naming the failing check otherwise) and `GET /metrics` (Prometheus
 * text; behind `broker.metrics.token` as a bearer token when set).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Metrics } from './metrics.ts';
import type { RedisClient } from './store/redis.ts';

export interface OpsDeps {
  metrics: Metrics;
  /** The bearer token `/metrics` wants; open when absent. */
  metricsToken?: string;
  /** The Redis connection to check (absent: the memory store, nothing to check). */
  redis?: RedisClient;
  /** Whether the token-signing and cookie keys are loaded. */
  keysLoaded(): boolean;
  /** How long PING may take, milliseconds (default 1000). */
  pingTimeoutMs?: number;
}

export type CheckResult = 'ok' | 'failed';

/** Runs the readiness checks: each by name, `ok` or `failed`. */
export async function checkReadiness(deps: Pick<OpsDeps, 'redis' | 'keysLoaded' | 'pingTimeoutMs'>): Promise<Record<string, CheckResult>> {
  const checks: Record<string, CheckResult> = { keys: deps.keysLoaded() ? 'ok' : 'failed' };
  if (deps.redis) checks.redis = (await pingRedis(deps.redis, deps.pingTimeoutMs ?? 1000)) ? 'ok' : 'failed';
  return checks;
}

async function pingRedis(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  // Not connected: fail at once (a PING would wait in the offline queue).
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((answer) => answer === 'PONG', () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function bearerMatches(header: string, token: string): boolean {
  const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  return given.length > 0 && timingSafeEqual(digest(given), digest(token));
}

export function opsRoutes(deps: OpsDeps): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    switch (ctx.path) {
      case '/healthz':
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { status: 'ok' };
        return;
      case '/readyz': {
        const checks = await checkReadiness(deps);
        const failing = Object.keys(checks).filter((k) => checks[k] !== 'ok');
        ctx.set('Cache-Control', 'no-store');
        ctx.status = failing.length ? 503 : 200;
        ctx.body = failing.length ? { status: 'unavailable', failing, checks } : { status: 'ok', checks };
        return;
      }
      case '/metrics': {
        ctx.set('Cache-Control', 'no-store');
        if (deps.metricsToken && !bearerMatches(ctx.get('authorization'), deps.metricsToken)) {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
          ctx.body = { error: 'unauthorized' };
          return;
        }
        const { contentType, body } = await deps.metrics.render();
        ctx.type = contentType;
        ctx.body = body;
        return;
      }
      default:
        return next();
    }
  };
}
