/**
 * `/idp/ext/Logout?client_id=…&redirect_url=…`: ends the browser's ESIA session and returns to
 * `redirect_url` (note: not `redirect_uri`) when it is on the system's registered domains.
 */
import type { Router } from '@koa/router';
import type { MockEsiaDeps } from '../deps.ts';
import { applyEndpointFaults } from '../faults.ts';
import { isOnRegisteredDomain } from '../params.ts';
import { loggedOutPage } from '../views/pages.ts';
import { SSO_COOKIE } from './authorize.ts';

export function registerLogoutRoutes(router: Router, deps: MockEsiaDeps): void {
  router.get('/idp/ext/Logout', applyEndpointFaults(deps.faults, 'logout'), (ctx) => {
    const sessionId = ctx.cookies.get(SSO_COOKIE);
    if (sessionId) deps.state.sessions.delete(sessionId);
    ctx.cookies.set(SSO_COOKIE, null, { path: '/' });
    const clientId = typeof ctx.query.client_id === 'string' ? ctx.query.client_id : undefined;
    const redirectUrl = typeof ctx.query.redirect_url === 'string' ? ctx.query.redirect_url : undefined;
    const client = clientId ? deps.clients.get(clientId) : undefined;
    if (client && redirectUrl && isOnRegisteredDomain(redirectUrl, client.config.domains)) {
      return ctx.redirect(redirectUrl);
    }
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loggedOutPage();
  });
}
