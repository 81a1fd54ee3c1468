/**
 * The roster file: read, parse completely, index; then notice changes (fs.watch on the folder, so an
 * atomic rename is seen too, plus stat polling) and swap in the new snapshot only when the new file is
 * valid as a whole. A broken or half-written file keeps the previous data and logs the lines at fault.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../core/log.ts';
import { AdapterError } from '../errors.ts';
import type { RosterAdapterConfig } from './config.ts';
import { describeProblems, MAX_LISTED_PROBLEMS, parseRoster, resolveFormat, type RosterParseResult } from './parse.ts';
import type { RosterSnapshot } from './snapshot.ts';

/** Quiet time after a watch event before reading, so a file being written is read once, whole. */
const SETTLE_MS = 100;

/** A loaded roster file that follows changes until closed. */
export class RosterFile {
  private current: RosterSnapshot;
  /** Signature (inode, size, times) of the file last read whole, valid or not. */
  private seen: string;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private closed = false;

  private constructor(
    private readonly journalId: string,
    private readonly config: RosterAdapterConfig,
    private readonly log: Logger,
    loaded: { snapshot: RosterSnapshot; signature: string },
  ) {
    this.current = loaded.snapshot;
    this.seen = loaded.signature;
  }

  /** Loads the file; a missing, unreadable or invalid file is ERR_ADAPTER_CONFIG. */
  static async open(journalId: string, config: RosterAdapterConfig, log: Logger): Promise<RosterFile> {
    const fail = (message: string, cause: unknown) => new AdapterError('ERR_ADAPTER_CONFIG', message, { cause, journalId });
    let read: { bytes: Uint8Array; signature: string } | undefined;
    try {
      for (let attempt = 0; attempt < 5 && !read; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        read = await readStable(config.path);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw fail(code === 'ENOENT' ? `roster file not found: ${config.path}` : `roster file cannot be read (${code ?? 'error'}): ${config.path}`, err);
    }
    if (!read) throw fail(`roster file keeps changing while being read: ${config.path}`, undefined);
    const result = parseFile(journalId, config, read.bytes);
    if (!result.ok) {
      const listed = describeProblems(result.problems);
      throw fail(`roster file ${config.path} refused (${result.problems.length} problems): ${listed.join('; ')}`, { problems: listed });
    }
    const file = new RosterFile(journalId, config, log, { snapshot: result.snapshot, signature: read.signature });
    file.reportDroppedSnils(result.droppedSnilsLines);
    log.info({ journalId, path: config.path, accounts: result.snapshot.size }, 'roster loaded');
    file.startWatching();
    return file;
  }

  /** The data of the last valid file. */
  get snapshot(): RosterSnapshot {
    return this.current;
  }

  /** Stops watching and polling; waits for a check in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.pollTimer);
    clearTimeout(this.settleTimer);
    await this.checking;
  }

  private startWatching(): void {
    const { watch: useWatch, pollIntervalMs } = this.config.reload;
    if (useWatch) {
      const name = basename(this.config.path);
      try {
        this.watcher = watch(dirname(this.config.path), { persistent: false }, (_event, filename) => {
          if (filename === null || filename === name) this.settle();
        });
        this.watcher.on('error', (err) => {
          this.log.warn({ journalId: this.journalId, err: (err as NodeJS.ErrnoException).code }, 'roster watch failed; polling only');
          this.watcher?.close();
          this.watcher = undefined;
        });
      } catch (err) {
        this.log.warn({ journalId: this.journalId, err: (err as NodeJS.ErrnoException).code }, 'roster watch unavailable; polling only');
      }
    }
    if (pollIntervalMs > 0) this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(() => {
      void this.check().finally(() => this.schedulePoll());
    }, this.config.reload.pollIntervalMs);
    this.pollTimer.unref();
  }

  private settle(): void {
    if (this.closed) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.check(), SETTLE_MS);
    this.settleTimer.unref();
  }

  /** One check at a time; a check asked for meanwhile runs right after. */
  private check(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.recheck = false;
        await this.reloadIfChanged().catch((err: unknown) => {
          this.log.error({ journalId: this.journalId, err: (err as Error).name }, 'roster check failed');
        });
      } while (this.recheck && !this.closed);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    if (this.closed) return;
    const where = { journalId: this.journalId, path: this.config.path };
    let read: { bytes: Uint8Array; signature: string } | undefined;
    try {
      const signature = signatureOf(await stat(this.config.path, { bigint: true }));
      if (signature === this.seen) return;
      read = await readStable(this.config.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (this.seen !== code) this.log.warn({ ...where, err: code }, 'roster file unreadable; keeping the previous data');
      this.seen = code;
      return;
    }
    // Still being written: the next event or poll looks again.
    if (!read || this.closed) return;
    this.seen = read.signature;
    const result = parseFile(this.journalId, this.config, read.bytes);
    if (!result.ok) {
      this.log.warn(
        { ...where, problemCount: result.problems.length, problems: describeProblems(result.problems) },
        'roster file refused; keeping the previous data',
      );
      return;
    }
    this.current = result.snapshot;
    this.reportDroppedSnils(result.droppedSnilsLines);
    this.log.info({ ...where, accounts: result.snapshot.size }, 'roster reloaded');
  }

  private reportDroppedSnils(lines: readonly number[]): void {
    if (lines.length === 0) return;
    this.log.warn(
      { journalId: this.journalId, count: lines.length, lines: lines.slice(0, MAX_LISTED_PROBLEMS) },
      'roster SNILS with a bad check digit dropped; the accounts stay',
    );
  }
}

function parseFile(journalId: string, config: RosterAdapterConfig, bytes: Uint8Array): RosterParseResult {
  return parseRoster(bytes, { journalId, format: resolveFormat(config), delimiter: config.delimiter, institutions: config.institutions });
}

function signatureOf(s: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The file's bytes, or undefined when it changed while being read. */
async function readStable(path: string): Promise<{ bytes: Uint8Array; signature: string } | undefined> {
  const before = signatureOf(await stat(path, { bigint: true }));
  const bytes = await readFile(path);
  const after = signatureOf(await stat(path, { bigint: true }));
  return before === after ? { bytes, signature: after } : undefined;
}
