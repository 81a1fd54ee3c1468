/**
 * Runs virtual users against a server for a time or a number of operations, and measures the server
 * child's CPU time over exactly that window: CPU per operation holds on a noisy machine, where
 * throughput does not.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Child, ProfileKind } from './processes.ts';

export interface PhaseResult {
  completed: number;
  errors: number;
  firstError?: string;
  wallMs: number;
  /** The server child's CPU time spent in the window, milliseconds. */
  cpuMs: number;
  /** Latencies of the completed operations, milliseconds, sorted. */
  latencies: number[];
}

export async function runPhase(input: {
  server: Child;
  concurrency: number;
  durationMs?: number;
  /** Stop after this many operations have started. */
  count?: number;
  operation: (vu: number) => Promise<void>;
  /** Record the server's CPU profile of this phase (when the stack was started to profile). */
  profile?: boolean;
}): Promise<PhaseResult> {
  const { concurrency, durationMs, count } = input;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  if (input.profile) await input.server.profile('start');
  const before = await input.server.stats();
  const start = performance.now();
  const deadline = durationMs === undefined ? Infinity : start + durationMs;
  const vu = async (i: number) => {
    while (performance.now() < deadline && (count === undefined || started < count)) {
      started++;
      const t0 = performance.now();
      try {
        await input.operation(i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => vu(i)));
  const wallMs = performance.now() - start;
  const after = await input.server.stats();
  if (input.profile) await input.server.profile('stop', latencies.length + errors);
  return { completed: latencies.length, errors, firstError, wallMs, cpuMs: after.cpuMs - before.cpuMs, latencies: latencies.sort((a, b) => a - b) };
}

/** Sums phases measured in rounds. */
export function combine(phases: PhaseResult[]): PhaseResult {
  return {
    completed: phases.reduce((a, p) => a + p.completed, 0),
    errors: phases.reduce((a, p) => a + p.errors, 0),
    firstError: phases.find((p) => p.firstError)?.firstError,
    wallMs: phases.reduce((a, p) => a + p.wallMs, 0),
    cpuMs: phases.reduce((a, p) => a + p.cpuMs, 0),
    latencies: phases.flatMap((p) => p.latencies).sort((a, b) => a - b),
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `--name value` flags after the suite name. */
export function flag(name: string, fallback: number): number {
  const args = process.argv.slice(3);
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

export function hasFlag(name: string): boolean {
  return process.argv.slice(3).includes(`--${name}`);
}

/** A fresh folder under bench-profiles/ for this run's profiles. */
export function profileFolder(suite: string): string {
  const folder = join('bench-profiles', `${suite}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(folder, { recursive: true });
  return resolve(folder);
}

/**
 * What the servers profile in the measured phases, from the flags: `--profile` their CPU time,
 * `--allocations` what they allocate; a fresh folder for the files, or none when neither is given.
 */
export function profileOptions(suite: string): { profileDir?: string; profileKind: ProfileKind } {
  const profileKind: ProfileKind = hasFlag('allocations') ? 'allocations' : 'cpu';
  return { profileDir: hasFlag('profile') || hasFlag('allocations') ? profileFolder(suite) : undefined, profileKind };
}

export const round1 = (v: number): number => Math.round(v * 10) / 10;
