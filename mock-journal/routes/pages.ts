/** The journal's own pages: the home page and the ESIA links the broker wrote back. */
import type { Router } from '@koa/router';
import type { MockJournalDeps } from '../deps.ts';
import { homePage, linksPage } from '../views/pages.ts';

export function registerPageRoutes(router: Router, deps: MockJournalDeps, loginEnabled = false): void {
  const { store } = deps;
  router.get('/', (ctx) => {
    const accountCounts = new Map<string, number>();
    for (const { institution } of store.accounts()) accountCounts.set(institution.id, (accountCounts.get(institution.id) ?? 0) + 1);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = homePage({
      journalName: store.journalName,
      institutions: store.institutions,
      accountCounts,
      linkCount: store.links.size,
      apiUrl: deps.audience,
      loginEnabled,
    });
  });
  router.get('/links', (ctx) => {
    const links = [...store.links.values()].map((link) => ({ link, account: store.record(link.accountId) }));
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = linksPage(links, deps.timeZone);
  });
}
