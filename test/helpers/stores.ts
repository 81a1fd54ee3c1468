/** Test stores: memory, or the real Redis under a fresh key prefix that is removed afterwards. */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../core/log.ts';
import { createStores, type Stores } from '../../broker/store/index.ts';

export interface TestStores {
  readonly stores: Stores;
  /** Every key this test wrote (Redis only), without the prefix. */
  keys(): Promise<string[]>;
  /** Deletes what the test wrote and closes the connection. */
  close(): Promise<void>;
}

export function createTestStores(kind: 'memory' | 'redis', name = 'test', url = 'redis://127.0.0.1:6379'): TestStores {
  const prefix = `${name}:${randomBytes(6).toString('hex')}:`;
  const stores =
    kind === 'redis'
      ? createStores({ redis: { url, keyPrefix: prefix, timeoutMs: 2000 } }, { log: silentLogger })
      : createStores({ memory: true }, { log: silentLogger });
  const keys = async () => (stores.redis ? (await stores.redis.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)) : []);
  return {
    stores,
    keys,
    close: async () => {
      const written = await keys();
      if (stores.redis && written.length) await stores.redis.del(...written);
      await stores.close();
    },
  };
}
