import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingServiceFlags, SERVICE_NODE_FLAGS } from './heap.ts';

const ROOT = join(import.meta.dirname, '..');

describe('the service start flags', () => {
  it('are found in the arguments or NODE_OPTIONS, in either spelling and with any value', () => {
    expect(missingServiceFlags([], '')).toEqual([...SERVICE_NODE_FLAGS]);
    expect(missingServiceFlags([...SERVICE_NODE_FLAGS], '')).toEqual([]);
    expect(missingServiceFlags([], `--enable-source-maps  ${SERVICE_NODE_FLAGS.join(' ')}`)).toEqual([]);
    expect(missingServiceFlags(['--max_semi_space_size=64'], '')).toEqual([]);
    expect(missingServiceFlags(['--max-old-space-size=512'], '--semi-space-growth-factor=2')).toEqual([...SERVICE_NODE_FLAGS]);
  });

  it('are what the Dockerfile, docker-compose.yml and `npm run broker` start the broker with', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd!)).toEqual(['node', ...SERVICE_NODE_FLAGS, 'dist/broker/main.js']);
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`command: [node, ${SERVICE_NODE_FLAGS.join(', ')}, dist/broker/main.js]`);
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.broker).toBe(`tsx ${SERVICE_NODE_FLAGS.join(' ')} broker/main.ts`);
  });

  it('reach V8 that way: the young generation grows past its default', () => {
    // Allocates until the new space has grown as far as it will, then prints its size in MB.
    const probe = `const v8 = require('node:v8'); let keep = [], max = 0;
      for (let i = 0; i < 2e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 1e5) keep = [];
        if (i % 5000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); }
      console.log(max / 1048576);`;
    const plain = Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' }));
    const tuned = Number(execFileSync(process.execPath, [...SERVICE_NODE_FLAGS, '-e', probe], { encoding: 'utf8' }));
    expect(tuned).toBeGreaterThan(plain);
  });
});
