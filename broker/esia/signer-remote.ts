/**
 * A remote signing service (an HSM front end or a signing server). The contract, documented in the
 * README:
 *   POST <url>   Authorization: Bearer <token>   Content-Type: application/json
 *   {"format": "raw" | "cms", "data": "<base64 of the bytes to sign>"}
 *   200 {"signature": "<base64>"}  (raw: 64 bytes in ESIA's order; cms: DER detached SignedData)
 * Anything else is a signer failure. Calls have a timeout and are never retried (signing is not
 * idempotent from the caller's point of view: a retry may sign twice, which is harmless but hides load).
 */
import { z } from 'zod';
import { parseCertificate } from '../../gost/index.ts';
import type { Outbound, OutboundResponse } from '../../core/outbound.ts';
import { expectRawSignature, signerError, type Signer } from './signer.ts';

export interface RemoteSignerOptions {
  url: string;
  /** Bearer token the service expects. */
  token: string;
  /** The certificate of the key the service signs with (PEM). */
  certificatePem: string;
  outbound: Outbound;
  timeoutMs?: number;
}

const responseSchema = z.object({ signature: z.base64() }).loose();

export function createRemoteSigner(options: RemoteSignerOptions): Signer {
  const cert = parseCertificate(options.certificatePem);
  const call = async (format: 'raw' | 'cms', data: Uint8Array): Promise<Uint8Array> => {
    let response: OutboundResponse;
    try {
      response = await options.outbound(options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ format, data: Buffer.from(data).toString('base64') }),
        timeoutMs: options.timeoutMs,
      });
    } catch (err) {
      throw signerError('remote', 'the signing service is unreachable', err);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw signerError('remote', `the signing service answered HTTP ${response.status}`, response.status);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      throw signerError('remote', 'the signing service answered with malformed JSON', err);
    }
    const parsed = responseSchema.safeParse(body);
    if (!parsed.success) throw signerError('remote', 'the signing service answered an unexpected shape', parsed.error);
    return new Uint8Array(Buffer.from(parsed.data.signature, 'base64'));
  };
  return {
    kind: 'remote',
    certificate: cert.der,
    sign: async (data) => expectRawSignature('remote', await call('raw', data)),
    signDetached: (data) => call('cms', data),
  };
}
