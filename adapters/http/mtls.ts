/**
 * An outbound transport over `node:https` that presents a TLS client certificate (Node 20's global
 * fetch cannot), for journals that authenticate the broker by mutual TLS. It is given to the outbound
 * factory, so timeouts, the user agent and error typing stay the same as for every other call. Only
 * what the adapter needs: string bodies, buffered responses (`core/node-transport.ts`).
 */
import { Agent } from 'node:https';
import { createNodeTransport, type Transport } from '../../core/node-transport.ts';

export interface ClientTls {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caPem?: string;
}

/** Largest response body accepted, bytes. */
const MAX_BODY = 1024 * 1024;

export function createMutualTlsTransport(tls: ClientTls): { transport: Transport; close(): void } {
  const agent = new Agent({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, keepAlive: true, maxSockets: 32 });
  const transport = createNodeTransport({ httpsAgent: agent, httpsOnly: 'mutual TLS needs an https URL', maxBodyBytes: MAX_BODY });
  return { transport, close: () => agent.destroy() };
}
