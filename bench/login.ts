/**
 * Login benchmark (`npm run bench -- login`): complete brokered logins by many concurrent virtual users
 * (authorization request with PKCE → the broker's interaction with the role in the request → mock-esia
 * → the broker's ESIA callback: code exchange, GOST signature checks, the person, links, the journal's
 * account over the HTTP adapter → code → token → userinfo), and in the same run the baseline: the same
 * client against bare node-oidc-provider with the same settings and store. The broker, mock-esia with
 * mock-journal, and the baseline each run in their own process; CPU figures are the server process's
 * own CPU time per login. Then a phase at 500 concurrent logins measures the broker's peak RSS.
 *
 * The broker and the baseline are measured in alternating rounds of 3 s, so both see the same background
 * load: on the shared 2-core machine of the README, either side's CPU per login drifts by a third
 * within seconds, and coarser rounds let a slow spell land on one side only.
 *
 * Flags: --concurrency N (50), --duration S (30: each side's measured time, split into rounds),
 * --logins N (instead of a duration), --rounds N (10), --warmup S (5), --rss-concurrency N (500),
 * --rss-logins N (1000), --profile (V8 CPU profiles of the broker's and the baseline's measured rounds, in
 * bench-profiles/login-<time>/, and a summary of where the broker spends more), --allocations (instead,
 * sampled allocations of those rounds, and a summary of where the broker allocates more: every byte
 * allocated brings the next scavenge closer, and each scavenge copies what all logins in flight hold).
 */
import type { BenchResult } from './run.ts';
import { combine, flag, hasFlag, percentile, profileOptions, round1, runPhase, type PhaseResult } from './lib/load.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { PERSONAS, startStack, type Stack } from './lib/stack.ts';
import { CookieJar, login, type RelyingParty } from './lib/vu.ts';

function summary(name: string, phase: PhaseResult): string {
  return `${name}: ${phase.completed} logins (${phase.errors} errors) in ${(phase.wallMs / 1000).toFixed(1)} s, ${(phase.completed / (phase.wallMs / 1000)).toFixed(0)}/s, CPU ${(phase.cpuMs / phase.completed).toFixed(2)} ms/login, p50 ${percentile(phase.latencies, 50).toFixed(0)} ms, p95 ${percentile(phase.latencies, 95).toFixed(0)} ms`;
}

/**
 * Measures the broker and the bare provider in alternating rounds, so that both see the same
 * background load on a shared machine; returns each side's phases summed and its Redis commands.
 */
async function measureBoth(
  stack: Stack,
  options: { concurrency: number; durationMs?: number; count?: number; warmupMs: number; rounds: number; profile: boolean },
) {
  const sides = (['broker', 'bare'] as const).map((target) => {
    const rp: RelyingParty = stack.rp(target);
    const jars = Array.from({ length: options.concurrency }, () => new CookieJar());
    return {
      target,
      server: target === 'broker' ? stack.broker : stack.bare!,
      operation: async (vu: number) => {
        await login(rp, jars[vu]!, PERSONAS[vu % PERSONAS.length]!);
      },
      phases: [] as PhaseResult[],
      commands: 0,
    };
  });
  for (const side of sides) {
    const warm = await runPhase({ server: side.server, concurrency: options.concurrency, durationMs: options.warmupMs, operation: side.operation });
    if (warm.errors) console.error(`${side.target} warm-up: ${warm.errors} errors, first: ${warm.firstError}`);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const side of sides) {
      const before = await stack.redisCommands();
      side.phases.push(
        await runPhase({
          server: side.server,
          concurrency: options.concurrency,
          durationMs: options.durationMs === undefined ? undefined : options.durationMs / options.rounds,
          count: options.count === undefined ? undefined : Math.ceil(options.count / options.rounds),
          operation: side.operation,
          profile: options.profile,
        }),
      );
      side.commands += (await stack.redisCommands()) - before;
    }
    // Each round's CPU per login, to see the machine's drift against the two sides' difference.
    console.error(`round ${round + 1}: ${sides.map((side) => { const p = side.phases[round]!; return `${side.target} ${(p.cpuMs / p.completed).toFixed(2)} ms`; }).join(', ')}`);
  }
  const [broker, bare] = sides.map((side) => {
    const phase = combine(side.phases);
    console.error(summary(side.target, phase));
    if (phase.errors) console.error(`${side.target}: first error: ${phase.firstError}`);
    return { phase, commands: side.commands };
  });
  return { broker: broker!, bare: bare! };
}

export async function run(): Promise<BenchResult> {
  const concurrency = flag('concurrency', 50);
  const count = hasFlag('logins') ? flag('logins', 1) : undefined;
  const durationMs = count === undefined ? flag('duration', 30) * 1000 : undefined;
  const warmupMs = flag('warmup', 5) * 1000;
  const rounds = flag('rounds', 10);
  const rssConcurrency = flag('rss-concurrency', 500);
  const rssLogins = flag('rss-logins', 1000);
  const { profileDir, profileKind } = profileOptions('login');
  const stack = await startStack({ bare: true, profileDir, profileKind });
  try {
    // First logins link the personas' journal accounts automatically; every later login finds its link.
    const jar = new CookieJar();
    for (const persona of PERSONAS) await login(stack.rp('broker'), jar, persona);

    const { broker, bare } = await measureBoth(stack, { concurrency, durationMs, count, warmupMs, rounds, profile: profileDir !== undefined });

    // Peak memory of the broker with many logins in flight at once.
    stack.broker.resetPeak();
    const rp = stack.rp('broker');
    const jars = Array.from({ length: rssConcurrency }, () => new CookieJar());
    const rss = await runPhase({
      server: stack.broker,
      concurrency: rssConcurrency,
      count: rssLogins,
      operation: (vu) => login(rp, jars[vu]!, PERSONAS[vu % PERSONAS.length]!).then(() => {}),
    });
    const peak = await stack.broker.stats();
    console.error(`${summary(`broker at ${rssConcurrency} concurrent`, rss)}, peak RSS ${peak.peakRssMb.toFixed(0)} MB`);
    if (rss.errors) console.error(`rss phase: first error: ${rss.firstError}`);

    const b = broker.phase;
    const brokerCpuMsPerLogin = b.cpuMs / b.completed;
    const bareCpuMsPerLogin = bare.phase.cpuMs / bare.phase.completed;
    return {
      suite: 'login',
      loginsPerSecond: Math.round(b.completed / (b.wallMs / 1000)),
      brokerCpuMsPerLogin: Math.round(brokerCpuMsPerLogin * 100) / 100,
      loginsPerSecondPerCore: Math.round(1000 / brokerCpuMsPerLogin),
      bareCpuMsPerLogin: Math.round(bareCpuMsPerLogin * 100) / 100,
      cpuRatio: Math.round((brokerCpuMsPerLogin / bareCpuMsPerLogin) * 100) / 100,
      p50Ms: round1(percentile(b.latencies, 50)),
      p95Ms: round1(percentile(b.latencies, 95)),
      p99Ms: round1(percentile(b.latencies, 99)),
      peakRssMb: Math.round(peak.peakRssMb),
      redisCommandsPerLogin: round1(broker.commands / b.completed),
      bareRedisCommandsPerLogin: round1(bare.commands / bare.phase.completed),
      concurrency,
      logins: b.completed,
      errors: b.errors + bare.phase.errors + rss.errors,
      rssConcurrency,
      rssP95Ms: round1(percentile(rss.latencies, 95)),
    };
  } finally {
    await stack.stop();
    if (profileDir) console.error(`${summarizeProfiles(profileDir)}\nprofiles: ${profileDir}`);
  }
}
