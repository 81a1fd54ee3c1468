/**
 * The broker's OpenID Provider (node-oidc-provider): clients from config, exact redirect URIs, PKCE
 * for public clients, ES256/RS256 keys from config, no consent screen (journals are the region's own
 * relying parties), and a login that is always the broker's interaction (ESIA or a school password).
 */
import { createHmac } from 'node:crypto';
import Provider, { interactionPolicy, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcClientConfig } from '../../config/broker.ts';
import { html, SafeHtml } from '../../core/html.ts';
import type { CookieSigner } from '../cookie-signer.ts';
import { brokerPage } from '../views/layout.ts';
import { ACR_VALUES, SCOPE_CLAIMS, SCOPES } from './claims.ts';

export interface ProviderOptions {
  issuer: string;
  clients: readonly OidcClientConfig[];
  jwks: { keys: Array<Record<string, unknown>> };
  /** Signs the provider's cookies (one for the whole process; see broker/cookie-signer.ts). */
  cookieSigner: CookieSigner;
  ttl: { session: number; interaction: number; accessToken: number; idToken: number; refreshToken: number; authorizationCode: number };
  /** oidc-provider adapter factory (the broker's store); default oidc-provider's own memory adapter. */
  adapter?: Configuration['adapter'];
  /** Secret for pairwise subject ids of unbound clients. */
  pairwiseSecret: string;
  findAccount: Configuration['findAccount'];
  /** Checks that the current session still fits this request (same journal and role), else a new login. */
  sessionFits: (ctx: KoaContextWithOIDC) => Promise<boolean>;
  /** Allow outgoing calls to private and loopback addresses (see config). */
  allowPrivateNetworkCallbacks: boolean;
  /** Where back-channel logout and errors are reported. */
  log: (message: string, details: Record<string, unknown>) => void;
}

/** oidc-provider client metadata from our config. */
export function clientMetadata(c: OidcClientConfig): ClientMetadata {
  return {
    client_id: c.clientId,
    client_name: c.name,
    client_secret: c.clientSecret,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    jwks: c.jwks,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    subject_type: c.journal ? 'public' : 'pairwise',
    backchannel_logout_uri: c.backchannelLogoutUri,
    backchannel_logout_session_required: c.backchannelLogoutUri ? true : undefined,
    journal: c.journal,
  };
}

const ERROR_TEXT: Record<string, string> = {
  invalid_redirect_uri: 'Адрес возврата не зарегистрирован для этого журнала.',
  invalid_client: 'Журнал не зарегистрирован у службы входа.',
  invalid_request: 'Журнал отправил неверный запрос на вход.',
};

export function createProvider(options: ProviderOptions): Provider {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  login.checks.add(
    new interactionPolicy.Check('session_does_not_fit', 'the session belongs to another journal or role', async (ctx) =>
      ctx.oidc.session?.accountId && !(await options.sessionFits(ctx)) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
    ),
  );

  const provider = new Provider(options.issuer, {
    adapter: options.adapter,
    clients: options.clients.map(clientMetadata),
    extraClientMetadata: { properties: ['journal'] },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: options.jwks.keys[0]?.alg === 'RS256' ? 'RS256' : 'ES256',
    },
    jwks: options.jwks as Configuration['jwks'],
    cookies: { keys: options.cookieSigner },
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    scopes: SCOPES,
    acrValues: [...ACR_VALUES],
    extraParams: ['role'],
    findAccount: options.findAccount,
    responseTypes: ['code'],
    // oidc-provider's fetch refuses special-use addresses (SSRF protection) through its dispatcher;
    // a region whose journals live on an internal network turns that off explicitly.
    fetch: (url, init) =>
      globalThis.fetch(url, options.allowPrivateNetworkCallbacks ? { ...init, dispatcher: undefined } as RequestInit : init),
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      createHmac('sha256', options.pairwiseSecret).update(`${client.sectorIdentifier ?? client.clientId}\u0000${accountId}`).digest('base64url'),
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = brokerPage(
            'Выход',
            html`<div class="card"><h1>Выйти из электронного журнала?</h1>
<p>Вы выйдете из журнала и из Госуслуг на этом устройстве.</p>
${new SafeHtml(form)}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Выйти</button>
<button class="secondary" type="submit" form="op.logoutForm">Остаться</button></div>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = brokerPage('Выход', html`<div class="card"><h1>Вы вышли</h1><p>Можно закрыть эту страницу.</p></div>`);
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    loadExistingGrant: async (ctx) => {
      // Journals are the region's own relying parties: the grant covers what they ask, no consent screen.
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].filter((s) => SCOPES.includes(s)).join(' '));
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: true,
    ttl: {
      Session: options.ttl.session,
      Interaction: options.ttl.interaction,
      Grant: options.ttl.refreshToken,
      AccessToken: options.ttl.accessToken,
      IdToken: options.ttl.idToken,
      RefreshToken: options.ttl.refreshToken,
      AuthorizationCode: options.ttl.authorizationCode,
    },
    renderError: async (ctx, out, error) => {
      options.log('oidc error page', { error: out.error, description: out.error_description, detail: (error as Error).message });
      ctx.type = 'html';
      ctx.body = brokerPage(
        'Ошибка входа',
        html`<div class="card"><h1>Не удалось начать вход</h1><p>${ERROR_TEXT[out.error] ?? 'Журнал отправил запрос, который нельзя выполнить.'}</p>
<p>Вернитесь на сайт журнала и попробуйте ещё раз. Если ошибка повторится, сообщите в поддержку журнала.</p>
<p class="muted">Код ошибки: ${out.error}</p></div>`,
      );
    },
  });
  return provider;
}
