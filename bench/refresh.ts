/**
 * Refresh benchmark (`npm run bench -- refresh`): refresh-token grants at the broker's token endpoint
 * from many concurrent clients. Each virtual user first logs in through the whole brokered login with
 * `offline_access` (and `prompt=consent`, which oidc-provider requires for it), then redeems its refresh
 * token again and again (client_secret_basic); the broker rotates refresh tokens, so each grant uses the
 * one the last grant returned. The figure is grants per second of the broker process's own CPU time;
 * the same is measured at bare node-oidc-provider (same settings and store) as the floor.
 *
 * Flags: --concurrency N (50), --duration S (10: each side's measured time, in alternating rounds),
 * --rounds N (3), --warmup S (2), --profile and --allocations (as in the login benchmark).
 */
import type { BenchResult } from './run.ts';
import { combine, flag, percentile, profileOptions, round1, runPhase, type PhaseResult } from './lib/load.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { PERSONAS, startStack, type Stack } from './lib/stack.ts';
import { CookieJar, login, tokenRequest } from './lib/vu.ts';

/** Logs in `concurrency` users with offline_access at `target`; the operation redeems one user's refresh token. */
async function prepare(stack: Stack, target: 'broker' | 'bare', concurrency: number) {
  const rp = stack.rp(target, { offline: true });
  const jar = new CookieJar();
  const refreshTokens: string[] = [];
  for (let i = 0; i < concurrency; i++) {
    const tokens = await login(rp, jar, PERSONAS[i % PERSONAS.length]!);
    if (!tokens.refresh_token) throw new Error(`${target} issued no refresh token for offline_access`);
    refreshTokens.push(tokens.refresh_token);
  }
  return {
    target,
    server: target === 'broker' ? stack.broker : stack.bare!,
    operation: async (vu: number) => {
      const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: refreshTokens[vu]! });
      if (!tokens.refresh_token) throw new Error('no rotated refresh token');
      refreshTokens[vu] = tokens.refresh_token;
    },
    phases: [] as PhaseResult[],
    commands: 0,
  };
}

export async function run(): Promise<BenchResult> {
  const concurrency = flag('concurrency', 50);
  const durationMs = flag('duration', 10) * 1000;
  const warmupMs = flag('warmup', 2) * 1000;
  const rounds = flag('rounds', 3);
  const { profileDir, profileKind } = profileOptions('refresh');
  const stack = await startStack({ bare: true, profileDir, profileKind });
  try {
    // Broker and baseline in alternating rounds, so that both see the same background load.
    const sides = [await prepare(stack, 'broker', concurrency), await prepare(stack, 'bare', concurrency)];
    for (const side of sides) {
      const warm = await runPhase({ server: side.server, concurrency, durationMs: warmupMs, operation: side.operation });
      if (warm.errors) console.error(`${side.target} warm-up: ${warm.errors} errors, first: ${warm.firstError}`);
    }
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        const before = await stack.redisCommands();
        side.phases.push(
          await runPhase({ server: side.server, concurrency, durationMs: durationMs / rounds, operation: side.operation, profile: profileDir !== undefined }),
        );
        side.commands += (await stack.redisCommands()) - before;
      }
    }
    const [broker, bare] = sides.map((side) => {
      const phase = combine(side.phases);
      const cpuMs = phase.cpuMs / phase.completed;
      console.error(
        `${side.target} refresh: ${phase.completed} grants (${phase.errors} errors) in ${(phase.wallMs / 1000).toFixed(1)} s, ${(phase.completed / (phase.wallMs / 1000)).toFixed(0)}/s, CPU ${cpuMs.toFixed(2)} ms/grant`,
      );
      if (phase.errors) console.error(`${side.target}: first error: ${phase.firstError}`);
      return { phase, cpuMs, commands: side.commands };
    }) as [{ phase: PhaseResult; cpuMs: number; commands: number }, { phase: PhaseResult; cpuMs: number; commands: number }];
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
    if (profileDir) console.error(`${summarizeProfiles(profileDir)}\nprofiles: ${profileDir}`);
  }
}
