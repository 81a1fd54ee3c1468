/**
 * Reads the CPU profiles of measured phases that `--profile` leaves in a folder (`<side>.<n>.<ops>ops
 * .cpuprofile`, see `lib/child.ts`) and prints, per operation, the self time of the functions and files
 * where the broker spends more than the baseline: what to look at first. Idle time is left out. The
 * allocation profiles of `--allocations` (`.heapprofile`) are read the same way: kilobytes allocated
 * per operation where the broker allocates more.
 *
 * `npx tsx bench/profile-summary.ts <folder> [--by file|function] [--top N]` prints it again later.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A sampling heap profile: a tree of call frames, each with the bytes sampled there. */
interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

interface CpuProfile {
  nodes: { id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** A script's path shortened to the package, or to the project's file (the compiled copy's folder dropped). */
const shortPath = (url: string) => url.replace(/^.*node_modules\//, '').replace(/^.*\.bench-build-[^/]+\//, '');
const PROJECT_FOLDER = /^(broker|adapters|core|gost|config|fixtures)\//;

/** The "file" a sample counts under: the project's file, a package, a Node module, or a native frame's name. */
function fileKey(url: string, functionName: string): string {
  const where = shortPath(url);
  if (!where) return functionName;
  if (PROJECT_FOLDER.test(where) || !where.includes('/')) return where;
  // A scoped package keeps its scope (`@koa/router`); any other path keeps its first segment.
  return where.startsWith('@') ? where.split('/').slice(0, 2).join('/') : where.split('/')[0]!;
}

/** How a sample is counted: by function (name, file and line) or by file. */
function keyOf(frame: { functionName: string; url: string; lineNumber: number }, by: 'file' | 'function'): string {
  const { functionName, url, lineNumber } = frame;
  return by === 'function' ? `${functionName || '(anonymous)'} ${shortPath(url)}:${lineNumber + 1}` : fileKey(url, functionName);
}

/** The profiles of one side and kind in a folder, with the operation count of each. */
function profilesOf(folder: string, side: string, extension: string): { path: string; operations: number }[] {
  const pattern = new RegExp(`^${side}\\.\\d+\\.(\\d+)ops\\.${extension}$`);
  return readdirSync(folder).flatMap((file) => {
    const match = pattern.exec(file);
    return match ? [{ path: join(folder, file), operations: Number(match[1]) }] : [];
  });
}

/** Bytes allocated per key, per operation, for one side's allocation profiles. */
function allocatedBytes(folder: string, side: string, by: 'file' | 'function'): { perOp: Map<string, number>; operations: number } {
  const totals = new Map<string, number>();
  let operations = 0;
  for (const { path, operations: ops } of profilesOf(folder, side, 'heapprofile')) {
    operations += ops;
    const stack = [(JSON.parse(readFileSync(path, 'utf8')) as { head: HeapProfileNode }).head];
    while (stack.length) {
      const node = stack.pop()!;
      // The sampler's own frames (the inspector answering the stop) are not the server's.
      if (node.callFrame.url === 'node:inspector') continue;
      if (node.selfSize) {
        const key = keyOf(node.callFrame, by);
        totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
      }
      stack.push(...node.children);
    }
  }
  return { perOp: new Map([...totals].map(([key, bytes]) => [key, operations ? bytes / operations : 0])), operations };
}

/** Self time per key, microseconds per operation, for one side's profiles. */
function selfTimes(folder: string, side: string, by: 'file' | 'function'): { perOp: Map<string, number>; operations: number } {
  const totals = new Map<string, number>();
  let operations = 0;
  for (const { path, operations: ops } of profilesOf(folder, side, 'cpuprofile')) {
    operations += ops;
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const time = new Map<number, number>();
    profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
    // The profiler's own stop (the inspector call that ends the phase) is not the server's work;
    // nodes come parents first, so a node's children are marked before they are reached.
    const profilerOwn = new Set<number>();
    for (const node of profile.nodes) {
      if (profilerOwn.has(node.id) || node.callFrame.url === 'node:inspector') {
        for (const child of node.children ?? []) profilerOwn.add(child);
        continue;
      }
      if (node.callFrame.functionName === '(idle)') continue;
      const key = keyOf(node.callFrame, by);
      totals.set(key, (totals.get(key) ?? 0) + (time.get(node.id) ?? 0));
    }
  }
  const perOp = new Map([...totals].map(([key, us]) => [key, operations ? us / operations : 0]));
  return { perOp, operations };
}

export function summarizeProfiles(folder: string, options: { by?: 'file' | 'function'; top?: number } = {}): string {
  const by = options.by ?? 'file';
  const allocations = profilesOf(folder, 'broker', 'heapprofile').length > 0;
  const read = allocations ? allocatedBytes : selfTimes;
  const broker = read(folder, 'broker', by);
  const bare = read(folder, 'bare', by);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const keys = new Set([...broker.perOp.keys(), ...bare.perOp.keys()]);
  const rows = [...keys]
    .map((key) => ({ key, broker: broker.perOp.get(key) ?? 0, bare: bare.perOp.get(key) ?? 0 }))
    .sort((a, b) => b.broker - b.bare - (a.broker - a.bare))
    .slice(0, options.top ?? 30);
  // Microseconds, or kilobytes for allocations.
  const cell = (v: number) => (allocations ? v / 1024 : v).toFixed(1).padStart(9);
  const phases = `profiled phases: broker ${broker.operations} operations, bare ${bare.operations}`;
  return [
    allocations ? `Allocated per operation, KB (sampled; ${phases})` : `CPU self time per operation, µs (${phases})`,
    `${'broker'.padStart(9)}${'bare'.padStart(9)}${'extra'.padStart(9)}  ${by}`,
    `${cell(total(broker.perOp))}${cell(total(bare.perOp))}${cell(total(broker.perOp) - total(bare.perOp))}  ${allocations ? '(all)' : '(all but idle)'}`,
    ...rows.map((r) => `${cell(r.broker)}${cell(r.bare)}${cell(r.broker - r.bare)}  ${r.key}`),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [folder, ...rest] = process.argv.slice(2);
  if (!folder) {
    console.error('usage: tsx bench/profile-summary.ts <folder> [--by file|function] [--top N]');
    process.exit(2);
  }
  const at = (name: string) => rest[rest.indexOf(`--${name}`) + 1];
  console.log(summarizeProfiles(folder, { by: rest.includes('--by') ? (at('by') as 'file' | 'function') : 'file', top: rest.includes('--top') ? Number(at('top')) : 30 }));
}
