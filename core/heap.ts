/**
 * The V8 heap's growth for a long-running service. By default V8 lets the old generation grow up to
 * about four times what survived the last full collection before it collects again; at 500 logins in
 * flight that kept about 100 MB of dead objects around and put the broker's peak RSS near 300 MB. At
 * twice, full collections come about three times as often (each a few milliseconds, mostly
 * concurrent), scavenges get cheaper with the smaller heap, and peak RSS drops by about a quarter
 * (262–323 to 203–225 MB in `bench/login.ts`), with no CPU change the benchmarks could tell from their
 * noise. The entry points call this first; the benchmark's baseline runs with it too, so that the
 * comparison is of the work, not of the heap settings.
 */
import { setFlagsFromString } from 'node:v8';

/** Old generation limit after a full collection: (100 + this) % of what survived it. */
export const HEAP_GROWING_PERCENT = 100;

export function tuneHeapForService(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
