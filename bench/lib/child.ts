/**
 * The child side of `processes.ts`: waits for `start` with its options, starts the service, reports
 * `ready`, answers `stats` (its own CPU time and memory) and stops on `stop` or when the parent is gone.
 * With `BENCH_PROFILE_DIR` set, it records a V8 CPU profile of each measured phase (between `profile`
 * start and stop messages) into that folder, named with its `BENCH_PROFILE_NAME` and the phase's
 * operation count, for `profile-summary.ts`; with `BENCH_PROFILE_KIND=allocations`, a sampling heap
 * profile instead, of everything allocated in the phase (also what the collector has freed since).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const profileDir = process.env.BENCH_PROFILE_DIR;
const allocations = process.env.BENCH_PROFILE_KIND === 'allocations';
const profiler = profileDir ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  profiler.post(allocations ? 'HeapProfiler.enable' : 'Profiler.enable');
}
let profiles = 0;

/** One sample per this many bytes allocated, on average. */
const ALLOCATION_SAMPLING_BYTES = 1024;

function profile(edge: 'start' | 'stop', operations: number, done: () => void): void {
  if (!profiler || !profileDir) return done();
  const save = (profileData: unknown, extension: string) => {
    const name = `${process.env.BENCH_PROFILE_NAME ?? 'child'}.${String(profiles++).padStart(3, '0')}.${operations}ops.${extension}`;
    writeFileSync(join(profileDir, name), JSON.stringify(profileData));
  };
  if (allocations) {
    // Without the two include flags V8 keeps only samples of objects still alive at the stop.
    const sampling = { samplingInterval: ALLOCATION_SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
    if (edge === 'start') return profiler.post('HeapProfiler.startSampling', sampling as never, () => done());
    return profiler.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err && result?.profile) save(result.profile, 'heapprofile');
      done();
    });
  }
  if (edge === 'start') return profiler.post('Profiler.start', () => done());
  profiler.post('Profiler.stop', (err, result) => {
    if (!err && result?.profile) save(result.profile, 'cpuprofile');
    done();
  });
}

interface Running {
  info: Record<string, unknown>;
  close(): Promise<void>;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export function runChild<T>(start: (options: T) => Promise<Running>): void {
  let running: Running | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running?.close().catch(() => {});
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('message', (m: { type: string; id?: number; options?: T; edge?: 'start' | 'stop'; operations?: number }) => {
    if (m.type === 'start') {
      start(m.options as T).then(
        (r) => {
          running = r;
          process.send!({ type: 'ready', ...r.info });
        },
        (err: unknown) => {
          process.send!({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
          process.exit(1);
        },
      );
    } else if (m.type === 'stats') {
      const cpu = process.cpuUsage();
      process.send!({ type: 'stats', id: m.id, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage.rss() / 1048576, peakRssMb: peakRssMb() });
    } else if (m.type === 'profile') {
      profile(m.edge!, m.operations ?? 0, () => process.send!({ type: 'profiled', id: m.id }));
    } else if (m.type === 'stop') {
      void stop();
    }
  });
}
