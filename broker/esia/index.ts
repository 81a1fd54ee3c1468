/**
 * Builds the ESIA client from configuration: the environment's URLs and issuer, the configured signer,
 * the token verifier pinned to ESIA's certificates, and the outbound HTTP factory.
 */
import type { EsiaClientConfig, EsiaSignerConfig } from '../../config/schema.ts';
import { createOutbound, type Outbound } from '../../core/outbound.ts';
import { EsiaClient, type EsiaObserver } from './client.ts';
import { ESIA_ENVIRONMENTS, issuerFor } from './protocol.ts';
import { createSoftwareSigner, type Signer } from './signer.ts';
import { createOpenSslSigner } from './signer-openssl.ts';
import { createCryptoProSigner } from './signer-cryptopro.ts';
import { createRemoteSigner } from './signer-remote.ts';
import { createTokenVerifier } from './verifier.ts';

export { EsiaClient, type EsiaObserver } from './client.ts';
export { EsiaError, type EsiaErrorCode } from './errors.ts';
export { deriveAccountLevel, type AccountLevel, type EsiaPerson } from './person.ts';

export interface EsiaDeps {
  /** Outbound HTTP; default one built from the config's timeout and retries. */
  outbound?: Outbound;
  clock?: () => Date;
  /** Durations and results of ESIA calls and signatures (metrics). */
  observer?: EsiaObserver;
}

export function createSigner(config: EsiaSignerConfig, outbound: Outbound): Signer {
  switch (config.type) {
    case 'software':
      return createSoftwareSigner({ privateKeyPem: config.privateKey, certificatePem: config.certificate });
    case 'openssl':
      return createOpenSslSigner(config);
    case 'cryptopro':
      return createCryptoProSigner(config);
    case 'remote':
      return createRemoteSigner({ url: config.url, token: config.token, certificatePem: config.certificate, timeoutMs: config.timeoutMs, outbound });
  }
}

export function createEsiaClient(config: EsiaClientConfig, deps: EsiaDeps = {}): EsiaClient {
  const env = config.environment === 'custom' ? undefined : ESIA_ENVIRONMENTS[config.environment];
  const baseUrl = env?.baseUrl ?? config.baseUrl!;
  const issuer = config.issuer ?? env?.issuer ?? issuerFor(baseUrl);
  const outbound = deps.outbound ?? createOutbound({ timeoutMs: config.timeoutMs, retries: config.retries });
  return new EsiaClient({
    baseUrl,
    mnemonic: config.mnemonic,
    signer: createSigner(config.signer, outbound),
    verifier: createTokenVerifier({
      pinnedCertificates: config.pinnedCertificates,
      issuer,
      clientId: config.mnemonic,
      clockSkewSeconds: config.clockSkewSeconds,
      clock: deps.clock,
    }),
    outbound,
    scopes: config.scopes,
    protocol: config.protocol,
    refreshSecret: config.refreshSecret,
    clock: deps.clock,
    observer: deps.observer,
  });
}
