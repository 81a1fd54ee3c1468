/**
 * Links and audit entries survive a crash: a private Redis with `appendonly yes` and
 * `appendfsync always` is SIGKILLed right after the writes are acknowledged, restarted from its AOF in
 * the same directory, and every link, unlink and entry is there.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../broker/audit/log.ts';
import { createLinkStore, type Link } from '../../broker/links/store.ts';
import { createStores, type Stores } from '../../broker/store/index.ts';
import { silentLogger } from '../../core/log.ts';
import { freePort, startRedisServer } from '../store/redis-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'links-aof-'));
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const link = (i: number): Link => ({
  esiaOid: String(5000 + i),
  journalId: 'j1',
  accountId: `acct-${i}`,
  role: 'pupil',
  method: 'auto',
  linkedAt: new Date(Date.UTC(2026, 2, 2, 5, 0, i)).toISOString(),
  evidence: ['snils'],
});

describe('durability of links and the audit log', () => {
  it('finds every acknowledged link and audit entry after SIGKILL and a restart from the AOF', async () => {
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    const connect = (): Stores => createStores({ redis: { url: `redis://127.0.0.1:${port}`, timeoutMs: 2000 } }, { log: silentLogger });
    server = await startRedisServer(port, { args });
    let stores = connect();
    try {
      const links = createLinkStore(stores);
      const audit = createAuditLog(stores);
      await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          if (i % 3 === 0) return links.link(link(i));
          return links.linkWithAudit(link(i), { actor: { kind: 'system', id: 'test' } });
        }),
      );
      for (let i = 20; i < 30; i += 2) {
        expect(await links.unlinkWithAudit('j1', `acct-${i}`, { actor: { kind: 'admin', id: 'ops' }, at: new Date().toISOString() })).toBeDefined();
      }
      await audit.append({ at: new Date().toISOString(), action: 'login_refused', outcome: 'refused', reason: 'level_too_low', actor: { kind: 'person', id: '42' }, esiaOid: '42' });
    } finally {
      // Killed the moment the last write is acknowledged: nothing gets a chance to rewrite or flush.
      server.kill('SIGKILL');
      await new Promise((resolve) => server!.once('exit', resolve));
      await stores.close();
    }

    server = await startRedisServer(port, { args });
    stores = connect();
    try {
      const links = createLinkStore(stores);
      const audit = createAuditLog(stores);
      for (let i = 0; i < 30; i++) {
        const unlinked = i >= 20 && i % 2 === 0;
        expect(await links.personOf('j1', `acct-${i}`)).toBe(unlinked ? undefined : String(5000 + i));
        expect(await links.linksOf(String(5000 + i))).toEqual(unlinked ? [] : [link(i)]);
      }
      const { entries } = await audit.query({ limit: 1000 });
      expect(entries.filter((e) => e.action === 'link')).toHaveLength(20);
      expect(entries.filter((e) => e.action === 'unlink')).toHaveLength(5);
      expect(entries.filter((e) => e.action === 'login_refused')).toHaveLength(1);
      expect((await audit.query({ journalId: 'j1', accountId: 'acct-22' })).entries.map((e) => e.action)).toEqual(['link', 'unlink']);
      expect((await audit.query({ esiaOid: '42' })).entries).toHaveLength(1);
    } finally {
      await stores.close();
    }
  });
});
