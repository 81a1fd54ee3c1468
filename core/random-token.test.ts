import { describe, expect, it } from 'vitest';
import { randomToken } from './random-token.ts';

describe('randomToken', () => {
  it('gives base64url text of the asked length, never the same twice', () => {
    const tokens = Array.from({ length: 5000 }, () => randomToken(24));
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('spreads its bytes evenly (no zeroed or repeated pool slices)', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i++) for (const b of Buffer.from(randomToken(24), 'base64url')) counts[b]!++;
    // 96,000 bytes: about 375 of each value; a wiped or reused slice would pile up zeros or repeats.
    expect(Math.min(...counts)).toBeGreaterThan(250);
    expect(Math.max(...counts)).toBeLessThan(500);
  });
});
