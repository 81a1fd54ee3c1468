/**
 * Refresh benchmark (`npm run bench -- refresh`): refresh-token grants at the broker's token endpoint
 * from many concurrent clients. Each virtual user first logs in through the whole brokered login with
 * `offline_access` (and `prompt=consent`, which oidc-provider requires for it), then redeems its refresh
 * token again and again (client_secret_basic); the broker rotates refresh tokens, so each grant uses the
 * one the last grant returned. The figure is grants per second of the broker process's own CPU time;
 * the same is measured at bare node-oidc-provider (same settings and store) as the floor.
 *
 * Flags: --concurrency N (50), --duration S (10), --warmup S (2), --profile.
 */
import type { BenchResult } from './run.ts';
import { flag, hasFlag, percentile, round1, runPhase } from './lib/load.ts';
import { PERSONAS, startStack, type Stack } from './lib/stack.ts';
import { CookieJar, login, tokenRequest } from './lib/vu.ts';

/** Logs in `concurrency` users with offline_access, then measures refresh grants at `target`. */
async function measure(stack: Stack, target: 'broker' | 'bare', options: { concurrency: number; durationMs: number; warmupMs: number }) {
  const rp = stack.rp(target, { offline: true });
  const server = target === 'broker' ? stack.broker : stack.bare!;
  const jar = new CookieJar();
  const refreshTokens: string[] = [];
  for (let i = 0; i < options.concurrency; i++) {
    const tokens = await login(rp, jar, PERSONAS[i % PERSONAS.length]!);
    if (!tokens.refresh_token) throw new Error(`${target} issued no refresh token for offline_access`);
    refreshTokens.push(tokens.refresh_token);
  }
  const operation = async (vu: number) => {
    const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: refreshTokens[vu]! });
    if (!tokens.refresh_token) throw new Error('no rotated refresh token');
    refreshTokens[vu] = tokens.refresh_token;
  };
  const warm = await runPhase({ server, concurrency: options.concurrency, durationMs: options.warmupMs, operation });
  if (warm.errors) console.error(`${target} warm-up: ${warm.errors} errors, first: ${warm.firstError}`);
  const commandsBefore = await stack.redisCommands();
  const phase = await runPhase({ server, concurrency: options.concurrency, durationMs: options.durationMs, operation });
  const commands = (await stack.redisCommands()) - commandsBefore;
  const cpuMs = phase.cpuMs / phase.completed;
  console.error(
    `${target} refresh: ${phase.completed} grants (${phase.errors} errors) in ${(phase.wallMs / 1000).toFixed(1)} s, ${(phase.completed / (phase.wallMs / 1000)).toFixed(0)}/s, CPU ${cpuMs.toFixed(2)} ms/grant`,
  );
  if (phase.errors) console.error(`${target}: first error: ${phase.firstError}`);
  return { phase, cpuMs, commands };
}

export async function run(): Promise<BenchResult> {
  const concurrency = flag('concurrency', 50);
  const durationMs = flag('duration', 10) * 1000;
  const warmupMs = flag('warmup', 2) * 1000;
  const stack = await startStack({ bare: true, execArgv: hasFlag('profile') ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [] });
  try {
    const broker = await measure(stack, 'broker', { concurrency, durationMs, warmupMs });
    const bare = await measure(stack, 'bare', { concurrency, durationMs, warmupMs });
    const { phase } = broker;
    return {
      suite: 'refresh',
      refreshPerSecondPerCore: Math.round(1000 / broker.cpuMs),
      refreshPerSecond: Math.round(phase.completed / (phase.wallMs / 1000)),
      brokerCpuMsPerRefresh: Math.round(broker.cpuMs * 100) / 100,
      bareCpuMsPerRefresh: Math.round(bare.cpuMs * 100) / 100,
      cpuRatio: Math.round((broker.cpuMs / bare.cpuMs) * 100) / 100,
      p50Ms: round1(percentile(phase.latencies, 50)),
      p95Ms: round1(percentile(phase.latencies, 95)),
      redisCommandsPerRefresh: round1(broker.commands / phase.completed),
      concurrency,
      grants: phase.completed,
      errors: phase.errors + bare.phase.errors,
    };
  } finally {
    await stack.stop();
  }
}
