/** The pages people see during a login. Every refusal says what to do next. */
import { html } from '../../core/html.ts';
import type { Role } from '../../adapters/types.ts';
import type { Link } from '../links/store.ts';
import { brokerPage } from './layout.ts';

export const ROLE_TITLES: Record<Role, string> = { parent: 'Родитель', pupil: 'Ученик', staff: 'Сотрудник школы' };

/** A person's linked journal accounts, each with its CSRF-protected unlink form posting to `action`. */
export function linkedAccountsList(items: readonly { link: Link; journalName: string }[], csrf: string, action: string) {
  if (!items.length) return html`<p>С вашей учётной записью Госуслуг не связана ни одна учётная запись журнала.</p>`;
  return items.map(
    ({ link, journalName }) => html`<div class="card"><p><strong>${journalName}</strong><br>${ROLE_TITLES[link.role]}, учётная запись ${link.accountId}</p>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="journal" value="${link.journalId}"><input type="hidden" name="account" value="${link.accountId}"><button class="secondary" type="submit">Отвязать</button></form></div>`,
  );
}

const backForm = (uid: string, csrf: string, label = 'Вернуться в журнал') =>
  html`<form method="post" action="/interaction/${uid}/abort"><input type="hidden" name="csrf" value="${csrf}"><button class="secondary" type="submit">${label}</button></form>`;

/** Step 1: who are you in the journal? */
export function rolePage(uid: string, csrf: string, clientName: string, schoolLogin: boolean): string {
  const roles: Role[] = ['parent', 'pupil', 'staff'];
  return brokerPage(
    'Кто входит',
    html`<div class="card">
<h1>Вход в «${clientName}»</h1>
<p>Выберите, кем вы являетесь в электронном журнале. Затем вы войдёте через Госуслуги.</p>
<form method="post" action="/interaction/${uid}/role">
<input type="hidden" name="csrf" value="${csrf}">
${roles.map((r) => html`<button type="submit" name="role" value="${r}">${ROLE_TITLES[r]}</button>`)}
</form>
${schoolLogin ? html`<p><a href="/interaction/${uid}/school-login">Войти по школьному логину и паролю</a> (для учеников младше 14 лет)</p>` : ''}
${backForm(uid, csrf, 'Отмена')}
</div>`,
  );
}

/** Several accounts for one person: pick the school. */
export function institutionPage(
  uid: string,
  csrf: string,
  accounts: ReadonlyArray<{ key: string; institution: string; detail?: string }>,
): string {
  return brokerPage(
    'Выбор школы',
    html`<div class="card">
<h1>Выберите школу</h1>
<p>У вас несколько учётных записей в журнале. В какую войти?</p>
<form method="post" action="/interaction/${uid}/account">
<input type="hidden" name="csrf" value="${csrf}">
${accounts.map((a) => html`<button class="persona" type="submit" name="account" value="${a.key}">${a.institution}${a.detail ? html`<span>${a.detail}</span>` : ''}</button>`)}
</form>
${backForm(uid, csrf, 'Отмена')}
</div>`,
  );
}

/** A refusal with what to do; the button returns to the journal with an OAuth error. */
export function refusalPage(uid: string, csrf: string, title: string, explanation: string, whatToDo: string): string {
  return brokerPage(
    title,
    html`<div class="card">
<h1>${title}</h1>
<p>${explanation}</p>
<p><strong>Что делать:</strong> ${whatToDo}</p>
${backForm(uid, csrf)}
</div>`,
  );
}

/** The school login form. */
export function schoolLoginPage(uid: string, csrf: string, clientName: string, error?: string): string {
  return brokerPage(
    'Вход по школьному логину',
    html`<div class="card">
<h1>Вход в «${clientName}» по школьному логину</h1>
<p>Логин и пароль выдаёт школа.</p>
<form method="post" action="/interaction/${uid}/school-login" autocomplete="off">
<input type="hidden" name="csrf" value="${csrf}">
<label for="login">Логин</label>
<input id="login" name="login" type="text" required autocapitalize="none">
<label for="password">Пароль</label>
<input id="password" name="password" type="password" required>
<button type="submit">Войти</button>
</form>
<p><a href="/interaction/${uid}">Войти через Госуслуги</a></p>
${backForm(uid, csrf, 'Отмена')}
</div>`,
    error,
  );
}

/** Something went wrong and there is no relying party to return to. */
export function errorPage(title: string, text: string): string {
  return brokerPage(title, html`<div class="card"><h1>${title}</h1><p>${text}</p></div>`);
}

/** Linking by hand: the school login and password prove the journal account. */
export function manualLinkPage(uid: string, csrf: string, clientName: string, reason: 'none' | 'ambiguous', error?: string): string {
  return brokerPage(
    'Связать учётные записи',
    html`<div class="card">
<h1>Свяжите учётную запись журнала</h1>
<p>${
      reason === 'ambiguous'
        ? 'С вашими данными в журнале нашлось несколько учётных записей, поэтому мы не связали их сами.'
        : 'Мы не нашли учётную запись журнала «' + clientName + '», связанную с вашей учётной записью Госуслуг.'
    }</p>
<p>Введите логин и пароль, которые выдала школа: мы проверим их в журнале и запомним связь. В следующий раз вход через Госуслуги сработает сразу.</p>
<form method="post" action="/interaction/${uid}/link" autocomplete="off">
<input type="hidden" name="csrf" value="${csrf}">
<label for="login">Логин в журнале</label>
<input id="login" name="login" type="text" required autocapitalize="none">
<label for="password">Пароль в журнале</label>
<input id="password" name="password" type="password" required>
<button type="submit">Связать и войти</button>
</form>
<p class="muted">Нет логина и пароля? Их выдаёт школа.</p>
<form method="post" action="/interaction/${uid}/abort"><input type="hidden" name="csrf" value="${csrf}"><button class="secondary" type="submit">Вернуться в журнал</button></form>
</div>`,
    error,
  );
}
