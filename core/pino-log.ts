/**
 * The production logger behind the `Logger` seam: pino JSON lines (`time` ISO, `level` as a word,
 * `name`, `msg`), `reqId` of the request being served (see `request-context.ts`), and personal data
 * masked before anything is written: every logged object and message goes through
 * `maskPersonalData` / `maskText` (what pino adds itself — time, level, name, pid, reqId — holds none).
 * Lines go to stdout asynchronously: while one write is in flight the next lines gather behind it and
 * leave in one write (pino flushes what is left when the process exits).
 * Only the entry points import this; adapters and the ESIA client see the `Logger` interface.
 */
import { pino, type DestinationStream, type LevelWithSilent } from 'pino';
import type { Logger } from './log.ts';
import { maskPersonalData, maskText } from './mask.ts';
import { currentRequestId } from './request-context.ts';

export interface PinoLoggerOptions {
  /** Default `info`. */
  level?: LevelWithSilent;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

export function createPinoLogger(name: string, options: PinoLoggerOptions = {}): Logger {
  return pino(
    {
      name,
      level: options.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are already plain objects (type, message, code, stack, cause), masked: keep them as they are.
      serializers: { err: (value: unknown) => value },
      mixin: () => {
        const reqId = currentRequestId();
        return reqId ? { reqId } : {};
      },
      hooks: {
        logMethod(args, method) {
          const masked = (args as unknown[]).map((a) => (typeof a === 'string' ? maskText(a) : maskPersonalData(a)));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
