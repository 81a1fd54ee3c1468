/**
 * The child side of `processes.ts`: waits for `start` with its options, starts the service, reports
 * `ready`, answers `stats` (its own CPU time and memory) and stops on `stop` or when the parent is gone.
 */
import { readFileSync } from 'node:fs';

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
  process.on('message', (m: { type: string; id?: number; options?: T }) => {
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
    } else if (m.type === 'stop') {
      void stop();
    }
  });
}
