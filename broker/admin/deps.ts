/** What the admin API works with: the unlinking path's parts, consent, the broker's config and journals. */
import type { JournalAdapter } from '../../adapters/types.ts';
import type { BrokerConfig } from '../../config/broker.ts';
import type { ConsentDeps } from '../consent/service.ts';
import type { UnlinkDeps } from '../linking/unlink.ts';

export interface AdminDeps extends UnlinkDeps {
  config: BrokerConfig;
  adapters: ReadonlyMap<string, JournalAdapter>;
  /** Journal names by id (from the journals' config); the id when absent. */
  journalNames: ReadonlyMap<string, string>;
  /** Parental consent: records and the one revocation path the parent's cabinet uses too. */
  consent: ConsentDeps;
}
