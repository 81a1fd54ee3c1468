/**
 * Trusting the reverse proxy in front of the broker. Both Koa apps must trust it: the broker's own
 * (interaction pages, rate limits by client address) and oidc-provider's (discovery URLs, `Secure`
 * cookies), since each reads the protocol, host and address from its own context.
 */
import type Koa from 'koa';

/** `true`: trust X-Forwarded-*; a number: also take the client address that many hops from the right. */
export type TrustProxy = boolean | number;

export function applyTrustProxy(apps: readonly Koa[], trust: TrustProxy): void {
  for (const app of apps) {
    app.proxy = trust !== false;
    if (typeof trust === 'number') app.maxIpsCount = trust;
  }
}
