/**
 * The benchmark's processes: each server under test runs in its own child (so its CPU time and RSS are
 * its alone), started with `fork` and driven over IPC; and a private redis-server on a free port.
 * Children exit when the parent goes away (IPC disconnect), so a killed benchmark leaves nothing behind.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../core/listen.ts';

/** What a child profiles in its measured phases: CPU time, or the bytes it allocates. */
export type ProfileKind = 'cpu' | 'allocations';

/** CPU and memory of a child, as it reports them (`process.cpuUsage()`, /proc/self/status). */
export interface ChildStats {
  /** User + system CPU time since the process started, milliseconds. */
  cpuMs: number;
  rssMb: number;
  /** Peak RSS (VmHWM) since start or the last `resetPeak()`, MB. */
  peakRssMb: number;
}

export interface Child {
  readonly pid: number;
  /** What the child sent with `ready` (its URL and anything else it reports). */
  readonly info: Record<string, unknown>;
  stats(): Promise<ChildStats>;
  /** Starts or stops the child's profile of a measured phase (when started with `profileDir`). */
  profile(edge: 'start' | 'stop', operations?: number): Promise<void>;
  /** Resets the kernel's peak RSS counter of the child (writes 5 to /proc/<pid>/clear_refs). */
  resetPeak(): void;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** Every child still running is killed when this process exits, however it exits. */
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const root = fileURLToPath(new URL('../../', import.meta.url));
let compiledRoot: string | undefined;

/**
 * Compiles the servers to JavaScript in a temporary folder, as `npm run build` does, so that they run
 * the way a region runs them: plain `node`, no TypeScript loader (whose worker thread and transformed
 * sources would count in the server's memory and CPU). Later `startChild` calls fork the compiled files.
 */
export function compileServers(): void {
  if (compiledRoot) return;
  // Inside the project, so that the compiled files find node_modules.
  const out = mkdtempSync(join(root, '.bench-build-'));
  const tsconfig = join(out, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir: out, rootDir: root, sourceMap: false, typeRoots: [join(root, 'node_modules/@types')] },
      include: ['broker', 'adapters', 'mock-esia', 'mock-journal', 'config', 'gost', 'fixtures', 'core', 'bench'].map((d) => join(root, d)),
      exclude: [join(root, '**/*.test.ts')],
    }),
  );
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' });
  copyFileSync(join(root, 'fixtures/personas.json'), join(out, 'fixtures/personas.json'));
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  compiledRoot = out;
}

/**
 * Forks `bench/lib/<entry>` (compiled, after `compileServers`; else under tsx), sends it `options` and
 * waits for its `ready` message.
 * `execArgv` adds Node flags; `discardStdout` drops what it prints (a server's logs); with `profile`,
 * the child profiles its measured phases (CPU or allocations) into its folder (see `child.ts`), its
 * files named after it.
 */
export async function startChild(
  entry: string,
  options: unknown,
  execArgv: string[] = [],
  discardStdout = false,
  profile?: { dir: string; name: string; kind: ProfileKind },
): Promise<Child> {
  const source = fileURLToPath(new URL(entry, import.meta.url));
  const file = compiledRoot ? join(compiledRoot, source.slice(root.length)).replace(/\.ts$/, '.js') : source;
  const loader = compiledRoot ? [] : ['--import', 'tsx'];
  const env = profile ? { ...process.env, BENCH_PROFILE_DIR: profile.dir, BENCH_PROFILE_NAME: profile.name, BENCH_PROFILE_KIND: profile.kind } : process.env;
  const child = fork(file, [], { cwd: root, env, execArgv: [...loader, ...execArgv], stdio: ['ignore', discardStdout ? 'ignore' : 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let nextId = 0;
  /** Questions sent to the child, by id, until it answers (its answer carries the same id). */
  const waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  const ask = (message: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        resolve(answer);
      });
      child.send({ ...message, id });
    });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready`)));
    child.on('message', (m: { type: string; id?: number } & Record<string, unknown>) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'failed') reject(new Error(`${entry} failed to start: ${String(m.message)}`));
      else if (m.id !== undefined) waiting.get(m.id)?.(m);
    });
  });
  child.send({ type: 'start', options });
  const info = await ready;
  return {
    pid: child.pid!,
    info,
    stats: async () => (await ask({ type: 'stats' })) as unknown as ChildStats,
    profile: async (edge, operations) => {
      await ask({ type: 'profile', edge, operations });
    },
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      }),
  };
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A private redis-server on a free loopback port: no snapshots, no AOF (the benchmark's data is throwaway). */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', ''], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode})`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
