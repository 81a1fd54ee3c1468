/**
 * The production logger behind the `Logger` seam: pino JSON lines (`time` ISO, `level` as a word,
 * `name`, `msg`), `reqId` of the request being served (see `request-context.ts`), and personal data
 * masked before anything is written: every logged object and message goes through
 * `maskPersonalData` / `maskText` (what pino adds itself — time, level, name, pid, reqId — holds none).
 * Lines go to stdout in batches: they gather in a buffer that is written when it holds 4 KiB or every
 * quarter of a second, whichever comes first, and when the process exits (a write per line cost more
 * than the rest of logging together). The batch is written synchronously, as pino writes by default
 * and as Node writes to a pipe on Linux: handing each batch to libuv's thread pool cost the event loop
 * about 6 µs per line (measured in `bench -- refresh`), several times the write itself.
 * Only the entry points import this; adapters and the ESIA client see the `Logger` interface.
 */
import { pino, type DestinationStream, type LevelWithSilent } from 'pino';
import type { Logger } from './log.ts';
import { maskPersonalData, maskText } from './mask.ts';
import { ADDS_REQUEST_ID, currentRequestId } from './request-context.ts';

export interface PinoLoggerOptions {
  /** Default `info`. */
  level?: LevelWithSilent;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

export function createPinoLogger(name: string, options: PinoLoggerOptions = {}): Logger {
  const logger = pino(
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
          const masked: unknown[] = [];
          for (const arg of args as unknown[]) masked.push(maskArgument(arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? batchedStdout(),
  );
  // Its mixin adds `reqId` already: no wrapper needs to add it again.
  return Object.assign(logger, { [ADDS_REQUEST_ID]: true });
}

function maskArgument(arg: unknown): unknown {
  return typeof arg === 'string' ? maskText(arg) : maskPersonalData(arg);
}

/** Flush interval of the batched stdout, milliseconds: the longest a line waits. */
const FLUSH_MS = 250;

/** Stdout with a 4 KiB buffer, flushed every FLUSH_MS while lines arrive (idle, it does nothing). */
function batchedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true, minLength: 4096 });
  let pending = false;
  const write = destination.write.bind(destination);
  destination.write = (line: string) => {
    pending = true;
    return write(line);
  };
  setInterval(() => {
    if (!pending) return;
    pending = false;
    // SonicBoom refuses to flush while it is still opening its file descriptor; the next tick tries again.
    try {
      destination.flush();
    } catch {
      pending = true;
    }
  }, FLUSH_MS).unref();
  return destination;
}
