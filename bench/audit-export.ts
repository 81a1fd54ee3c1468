/**
 * The admin API's audit export: entries per second read page by page from a real Redis audit log and
 * written as CSV and JSON lines, and how much the process grows meanwhile (the export holds one page,
 * not the log). Redis at `REDIS_URL` (default 127.0.0.1:6379) under a fresh key prefix, removed after.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../core/log.ts';
import { createAuditLog } from '../broker/audit/log.ts';
import { auditPages, exportChunks, type ExportFormat } from '../broker/admin/export.ts';
import { createStores } from '../broker/store/index.ts';
import type { BenchResult } from './run.ts';

const ENTRIES = 20_000;

export async function run(): Promise<BenchResult> {
  const prefix = `bench-audit:${randomBytes(6).toString('hex')}:`;
  const stores = createStores({ redis: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: prefix } }, { log: silentLogger });
  try {
    const audit = createAuditLog(stores);
    const base = Date.UTC(2026, 0, 1);
    for (let i = 0; i < ENTRIES; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          audit.append({
            at: new Date(base + (i + k) * 1000).toISOString(),
            action: 'link',
            outcome: 'ok',
            actor: { kind: 'system', id: 'bench' },
            esiaOid: String(1_000_000_000 + ((i + k) % 50)),
            journalId: 'bench-journal',
            accountId: `acc-${i + k}`,
            evidence: ['snils'],
          }),
        ),
      );
    }
    const measure = async (format: ExportFormat) => {
      const rss = process.memoryUsage().rss;
      let peak = rss;
      let bytes = 0;
      const started = performance.now();
      for await (const chunk of exportChunks(auditPages(audit, { journalId: 'bench-journal' }), format)) {
        bytes += chunk.length;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      const seconds = (performance.now() - started) / 1000;
      return { perSecond: Math.round(ENTRIES / seconds), megabytes: +(bytes / 1e6).toFixed(1), growthMb: +((peak - rss) / 1e6).toFixed(1) };
    };
    const csv = await measure('csv');
    const jsonl = await measure('jsonl');
    return {
      suite: 'audit-export',
      entries: ENTRIES,
      csvEntriesPerSecond: csv.perSecond,
      csvMegabytes: csv.megabytes,
      csvRssGrowthMb: csv.growthMb,
      jsonlEntriesPerSecond: jsonl.perSecond,
      jsonlMegabytes: jsonl.megabytes,
      jsonlRssGrowthMb: jsonl.growthMb,
    };
  } finally {
    const keys = await stores.redis!.keys(`${prefix}*`);
    if (keys.length) await stores.redis!.del(...keys.map((k) => k.slice(prefix.length)));
    await stores.close();
  }
}
