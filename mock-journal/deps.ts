/** What mock-journal's routes share. */
import type { AssertionVerifier } from './assertions.ts';
import type { JournalFaults } from './faults.ts';
import type { JournalStore } from './store.ts';

export interface MockJournalDeps {
  readonly store: JournalStore;
  readonly faults: JournalFaults;
  readonly verifyAssertion: AssertionVerifier;
  /** A TLS client certificate the server verified authenticates the broker (mutual TLS). */
  readonly acceptClientCertificates: boolean;
  /** The API base URL (what the broker calls, and the assertions' `aud`). */
  readonly audience: string;
  readonly apiBasePath: string;
  readonly timeZone: string;
  readonly clock: () => Date;
  readonly log: (message: string, detail?: unknown) => void;
}
