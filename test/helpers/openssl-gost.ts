/**
 * Test helper for interop tests against OpenSSL's GOST engine (Debian: libengine-gost-openssl).
 *
 * Use as `describe.runIf(requireGostEngine())('... interop', () => { ... })`. When the engine is
 * missing, the suite is skipped locally (with a message saying why), but under CI (`process.env.CI`
 * set) a failing test is registered instead, so a CI machine without the engine cannot pass silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';

/** Streebog-256 of the empty string as OpenSSL prints it; proves the engine really hashes. */
const EMPTY_STREEBOG256 = '3f539a213e97c802cc229d474c6aa32a825a360b2a933a949fd925208d9ce1bb';

let detected: boolean | undefined;

/** Runs `openssl` with the given arguments and returns its stdout; throws if it exits non-zero. */
export function openssl(args: readonly string[], input?: string | Uint8Array): Buffer {
  return execFileSync('openssl', args, {
    input: input ?? '',
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Whether `openssl` is on PATH and its `gost` engine loads and computes GOST R 34.11-2012. */
export function hasGostEngine(): boolean {
  if (detected === undefined) {
    try {
      const out = openssl(['dgst', '-engine', 'gost', '-md_gost12_256'], '').toString('utf8');
      detected = out.toLowerCase().includes(EMPTY_STREEBOG256);
    } catch {
      detected = false;
    }
  }
  return detected;
}

/**
 * Returns whether the interop tests can run. If the engine is missing: under CI registers a test
 * that fails with an explanation; locally prints why the interop tests are skipped.
 */
export function requireGostEngine(): boolean {
  if (hasGostEngine()) return true;
  const why =
    'OpenSSL with the GOST engine is not available (`openssl dgst -engine gost -md_gost12_256` failed); ' +
    'install libengine-gost-openssl';
  if (process.env.CI) {
    it('OpenSSL GOST engine is available (required under CI)', () => {
      throw new Error(why);
    });
  } else {
    console.warn(`skipping OpenSSL GOST interop tests: ${why}`);
  }
  return false;
}

/** Runs `fn` with a fresh directory under the OS temp dir, removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gost-interop-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
