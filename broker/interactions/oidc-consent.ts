/**
 * oidc-provider's consent prompt, answered without a screen: journals are the region's own relying
 * parties, so the grant covers what they ask (as `loadExistingGrant` does for every login). The prompt
 * still comes when a journal asks for it (`prompt=consent`, which oidc-provider requires for
 * `offline_access`, i.e. a refresh token); without this answer the interaction would start the login
 * over and over.
 */
import type Provider from 'oidc-provider';
import { SCOPES } from '../oidc/claims.ts';

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The grant id to finish a consent prompt with: the session's grant for the client, covering the requested scopes. */
export async function grantForConsentPrompt(provider: Provider, details: InteractionDetails): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ clientId, accountId: details.session!.accountId });
  const requested = String(details.params.scope ?? '').split(' ').filter((s) => SCOPES.includes(s));
  grant.addOIDCScope(requested.join(' '));
  return grant.save();
}
