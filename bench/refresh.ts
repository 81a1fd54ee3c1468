/**
 * Refresh benchmark (`npm run bench -- refresh`): refresh-token grants at the broker's token endpoint
 * from many concurrent clients. Each virtual user first logs in through the whole brokered login with
 * `offline_access` (and `prompt=consent`, which oidc-provider requires for it), then redeems its refresh
 * token again and again (client_secret_basic); the broker rotates refresh tokens, so each grant uses the
 * one the last grant returned. The figure is grants per second of the broker process's own CPU time.
 *
 * Flags: --concurrency N (50), --duration S (10), --warmup S (2), --profile.
 */
import type { BenchResult } from './run.ts';
import { flag, hasFlag, percentile, round1, runPhase } from './lib/load.ts';
import { PERSONAS, startStack } from './lib/stack.ts';
import { CookieJar, login, tokenRequest } from './lib/vu.ts';

export async function run(): Promise<BenchResult> {
  const concurrency = flag('concurrency', 50);
  const durationMs = flag('duration', 10) * 1000;
  const warmupMs = flag('warmup', 2) * 1000;
  const stack = await startStack({ execArgv: hasFlag('profile') ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [] });
  try {
    const rp = stack.rp('broker', { offline: true });
    const jar = new CookieJar();
    const refreshTokens: string[] = [];
    for (let i = 0; i < concurrency; i++) {
      const tokens = await login(rp, jar, PERSONAS[i % PERSONAS.length]!);
      if (!tokens.refresh_token) throw new Error('the broker issued no refresh token for offline_access');
      refreshTokens.push(tokens.refresh_token);
    }
    const operation = async (vu: number) => {
      const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: refreshTokens[vu]! });
      if (!tokens.refresh_token) throw new Error('no rotated refresh token');
      refreshTokens[vu] = tokens.refresh_token;
    };
    const warm = await runPhase({ server: stack.broker, concurrency, durationMs: warmupMs, operation });
    if (warm.errors) console.error(`warm-up: ${warm.errors} errors, first: ${warm.firstError}`);
    const commandsBefore = await stack.redisCommands();
    const phase = await runPhase({ server: stack.broker, concurrency, durationMs, operation });
    const commands = (await stack.redisCommands()) - commandsBefore;
    const cpuMsPerGrant = phase.cpuMs / phase.completed;
    console.error(
      `refresh: ${phase.completed} grants (${phase.errors} errors) in ${(phase.wallMs / 1000).toFixed(1)} s, ${(phase.completed / (phase.wallMs / 1000)).toFixed(0)}/s, CPU ${cpuMsPerGrant.toFixed(2)} ms/grant`,
    );
    if (phase.errors) console.error(`first error: ${phase.firstError}`);
    return {
      suite: 'refresh',
      refreshPerSecondPerCore: Math.round(1000 / cpuMsPerGrant),
      refreshPerSecond: Math.round(phase.completed / (phase.wallMs / 1000)),
      brokerCpuMsPerRefresh: Math.round(cpuMsPerGrant * 100) / 100,
      p50Ms: round1(percentile(phase.latencies, 50)),
      p95Ms: round1(percentile(phase.latencies, 95)),
      redisCommandsPerRefresh: round1(commands / phase.completed),
      concurrency,
      grants: phase.completed,
      errors: phase.errors,
    };
  } finally {
    await stack.stop();
  }
}
