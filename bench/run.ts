/**
 * Benchmark runner: `npm run bench -- <suite>` runs `bench/<suite>.ts` and prints its figures as one
 * JSON object on the last line of output. Every suite module exports `run(): Promise<BenchResult>`.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

export type BenchResult = { suite: string } & Record<string, number | string | boolean>;

const here = dirname(fileURLToPath(import.meta.url));
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name || !suites.includes(name)) {
  console.error(`usage: npm run bench -- <suite>\nsuites: ${suites.join(', ')}`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run: () => Promise<BenchResult> };
const result = await mod.run();
console.log(JSON.stringify(result));
