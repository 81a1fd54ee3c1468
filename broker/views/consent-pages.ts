/** The pupil's page while a login waits for a parent's consent. */
import { html } from '../../core/html.ts';
import { CONSENT } from '../interactions/texts.ts';
import { brokerPage } from './layout.ts';

export function consentWaitingPage(input: {
  uid: string;
  csrf: string;
  nonce: string;
  parentsFound: boolean;
  cabinetUrl: string;
  pollSeconds: number;
  schoolLogin: boolean;
}): string {
  const { uid, csrf } = input;
  // Asks quietly; reloads (and so continues the login) only when the state changes.
  const code = `(function(){var url=location.pathname.replace(/\\/$/,'')+'/status',wait=${input.pollSeconds * 1000};
function ask(){fetch(url,{credentials:'same-origin',cache:'no-store'}).then(function(r){return r.json()}).then(function(j){
if(j.state!=='pending'){location.reload();return}setTimeout(ask,wait)}).catch(function(){setTimeout(ask,wait*2)})}
setTimeout(ask,wait)})();`;
  return brokerPage(
    CONSENT.waitingTitle,
    html`<div class="card">
<h1>${CONSENT.waitingTitle}</h1>
<p>${CONSENT.waiting}</p>
<p>${input.parentsFound ? CONSENT.sent : CONSENT.noParent}</p>
<p>Адрес кабинета родителя: <a href="${input.cabinetUrl}">${input.cabinetUrl}</a></p>
<p role="status" aria-live="polite"><strong>${CONSENT.continues}</strong></p>
<noscript><p>Когда родитель согласится, нажмите «Проверить».</p></noscript>
<form method="get" action="/interaction/${uid}/consent"><button type="submit">Проверить</button></form>
${input.schoolLogin ? html`<p class="muted">${CONSENT.meanwhile} <a href="/interaction/${uid}/school-login">Войти по школьному логину</a></p>` : ''}
<form method="post" action="/interaction/${uid}/abort"><input type="hidden" name="csrf" value="${csrf}"><button class="secondary" type="submit">Вернуться в журнал</button></form>
</div>`,
    undefined,
    { nonce: input.nonce, code },
  );
}
