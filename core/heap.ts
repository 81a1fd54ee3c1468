/**
 * The V8 heap's settings for a long-running service: the old generation's growth, set at start by
 * `tuneHeapForService`, and the young generation's size, which Node must be given on its command line
 * (`SERVICE_NODE_FLAGS`, below).
 *
 * The old generation: by default V8 lets it grow up to about four times what survived the last full
 * collection before it collects again; at 500 logins in flight that kept about 100 MB of dead objects
 * around and put the broker's peak RSS near 300 MB. At twice, full collections come about three times
 * as often (each a few milliseconds, mostly concurrent), scavenges get cheaper with the smaller heap,
 * and peak RSS drops by about a quarter (262–323 to 203–225 MB in `bench/login.ts`), with no CPU
 * change the benchmarks could tell from their noise. The entry points call this first; the
 * benchmark's baseline runs with it too, so that the comparison is of the work, not of the heap
 * settings.
 */
import { setFlagsFromString } from 'node:v8';

/** Old generation limit after a full collection: (100 + this) % of what survived it. */
export const HEAP_GROWING_PERCENT = 100;

export function tuneHeapForService(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * Flags the service's Node must be started with: V8 sizes the young generation when the heap is set
 * up, so `setFlagsFromString` is too late for these (checked: the new space stays at its default).
 *
 * `--max-semi-space-size=32` (MB, default 16). At 50 refresh grants in flight the young generation
 * filled every 30 ms or so, and each scavenge copies everything the requests in flight still hold; an
 * object alive at two scavenges moves to the old generation, which then fills with request garbage
 * that only a full collection frees. At 32 MB scavenges come half as often (`--trace-gc`: 182 against
 * 392 in the same refresh run, 1.3 s of pauses against 1.7 s) and fewer requests span two of them.
 * In alternating runs (session 9): refresh 1,717–1,830 grants/s per core against 1,292–1,696, the
 * baseline likewise cheaper; logins' `cpuRatio` within the machine's noise (1.82–1.98 against
 * 1.87–2.01); peak RSS at 500 concurrent logins 238–258 MB against 210–215.
 *
 * The Dockerfile, docker-compose.yml and `npm run broker` pass them (a test checks), the benchmark
 * gives them to the broker and to its baseline alike, and the broker warns at start without them.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/**
 * Which of {@link SERVICE_NODE_FLAGS} this process was started without, in its arguments or in
 * NODE_OPTIONS. A flag given with another value counts as given: that is somebody's deliberate choice.
 */
export function missingServiceFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return SERVICE_NODE_FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** `--max-semi-space-size` of `--max_semi_space_size=64` (V8 takes either spelling). */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replaceAll('_', '-');
}
