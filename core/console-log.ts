/**
 * A minimal JSON-lines logger on stdout/stderr (the pino-compatible subset of `core/log.ts`), used by
 * the command-line entry points until structured logging with masking is in place.
 */
import type { Logger } from './log.ts';

export function createConsoleLogger(name: string, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
  const write = (lvl: keyof typeof order) => (obj: Record<string, unknown>, msg?: string) => {
    if (order[lvl] < order[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, name, msg, ...obj });
    (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
