/**
 * Mutation tests for the hand-written checks in front of zod schemas (`core/fast-parse.ts`): thousands
 * of changes to a real answer (fields dropped, retyped, out of range, unknown fields added), and the
 * check must never say `true` where the schema refuses, nor where the schema's output differs from the
 * value other than by unknown fields.
 */
import { expect, it } from 'vitest';
import type { z } from 'zod';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLACEMENTS: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53, Infinity, NaN, '', 'x', '42', '18.05.2011', '2011-05-18', '123-456-789 64', ' padded ', '2011-02-30', 'parent', 'a'.repeat(300), [], ['a'], [1], {}, { a: 1 },
];

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

/** A copy of `value` with one to three random changes. */
function mutate(value: unknown, next: () => number): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) {
    const all = paths(copy);
    const path = all.length ? pick(all) : [];
    const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((at, key) => at[key] as Record<string | number, unknown>, copy);
    const key = path[path.length - 1];
    if (key === undefined) continue;
    const action = next();
    if (action < 0.3 && !Array.isArray(parent)) delete parent[key];
    else if (action < 0.4 && typeof parent[key] === 'object' && parent[key] !== null && !Array.isArray(parent[key])) {
      (parent[key] as Record<string, unknown>)[`unknown${Math.floor(next() * 3)}`] = pick(REPLACEMENTS);
    } else parent[key] = structuredClone(pick(REPLACEMENTS));
  }
  return copy;
}

/** Every field of zod's output is in `raw` with the same value (zod only leaves out unknown fields). */
function expectOutputWithin(output: unknown, raw: unknown): void {
  if (typeof output !== 'object' || output === null) return expect(raw).toStrictEqual(output);
  expect(typeof raw).toBe('object');
  if (Array.isArray(output)) {
    expect(Array.isArray(raw) && raw.length === output.length).toBe(true);
    output.forEach((item, i) => expectOutputWithin(item, (raw as unknown[])[i]));
    return;
  }
  for (const [key, value] of Object.entries(output)) expectOutputWithin(value, (raw as Record<string, unknown>)[key]);
}

export function checkAgainstSchema(name: string, schema: z.ZodType, check: (v: unknown) => boolean, sample: unknown, extra?: (raw: unknown, output: unknown) => void) {
  it(`${name}: recognises the real shape and never accepts what the schema refuses`, () => {
    expect(check(sample)).toBe(true);
    const next = random(name.length * 7919);
    let recognised = 0;
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const value = mutate(sample, next);
      const parsed = schema.safeParse(value);
      if (!parsed.success) refused++;
      if (!check(value)) continue;
      recognised++;
      expect(parsed.success, JSON.stringify(value)).toBe(true);
      expectOutputWithin(parsed.data, value);
      extra?.(value, parsed.data);
    }
    // Both kinds of mutation occurred: the loop tested something.
    expect(recognised).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
  });
}

