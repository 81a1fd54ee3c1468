/**
 * Links and audit entries survive a crash: a private Redis with `appendonly yes` and
 * `appendfsync always` is SIGKILLed right after the writes are acknowledged, restarted from its AOF,
 * and every link and entry is there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { silentLogger } from '../../core/log.ts';
import { createStores } from '../../broker/store/index.ts';
import { createLinkStore } from '../../broker/links/store.ts';
import { createAuditLog } from '../../broker/audit/log.ts';
import { freePort, startRedisServer } from '../store/redis-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'aof-'));
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('durability of links and the audit log', () => {
  it('finds every acknowledged link and audit entry after SIGKILL and a restart from the AOF', async () => {
    const port = await freePort();
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    server = await startRedisServer(port, { args });
    let stores = createStores({ redis: { url: `redis://127.0.0.1:${port}`, timeoutMs: 2000 } }, { log: silentLogger });
    const links = createLinkStore(stores);
    const audit = createAuditLog(stores);
    for (let i = 0; i < 20; i++) {
      const accountId = `acct-${i}`;
      expect(await links.link({ esiaOid: String(5000 + i), journalId: 'j1', accountId, role: 'pupil', method: 'auto', linkedAt: new Date().toISOString() })).toBe(true);
      await audit.append({ at: new Date().toISOString(), action: 'link', outcome: 'ok', actor: { kind: 'system', id: 'test' }, esiaOid: String(5000 + i), journalId: 'j1', accountId });
    }
    server.kill('SIGKILL');
    await new Promise((r) => server!.once('exit', r));
    await stores.close();
    server = await startRedisServer(port, { args });
    stores = createStores({ redis: { url: `redis://127.0.0.1:${port}`, timeoutMs: 2000 } }, { log: silentLogger });
    try {
      const after = createLinkStore(stores);
      for (let i = 0; i < 20; i++) expect(await after.personOf('j1', `acct-${i}`)).toBe(String(5000 + i));
      expect((await createAuditLog(stores).query({ limit: 1000 })).entries).toHaveLength(20);
    } finally {
      await stores.close();
    }
  });
});
