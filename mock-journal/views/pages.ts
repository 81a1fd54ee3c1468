/** The pages of mock-journal. */
import type { AccountRecord, RecordedLink } from '../store.ts';
import { html, page } from './layout.ts';

const ROLE_NAMES: Record<AccountRecord['role'], string> = { parent: 'родитель', pupil: 'ученик', staff: 'сотрудник' };

const METHOD_NAMES: Record<string, string> = {
  auto: 'автоматически (по СНИЛС или ФИО и дате рождения)',
  'manual-password': 'вручную, по школьному логину и паролю',
  'journal-initiated': 'из настроек журнала',
};

export function homePage(input: {
  journalName: string;
  institutions: readonly { id: string; name: string; municipality: string }[];
  accountCounts: ReadonlyMap<string, number>;
  linkCount: number;
  apiUrl: string;
  loginEnabled?: boolean;
}): string {
  return page(
    'Главная',
    html`${input.loginEnabled ? html`<div class="card">
<h1>Вход в журнал</h1>
<form method="get" action="/login"><button type="submit">Войти через Госуслуги</button></form>
<p class="muted">Для родителей, учеников и сотрудников школ.</p>
</div>` : ''}<div class="card">
<h1>${input.journalName}</h1>
<p>Учебный журнал-заглушка: школьные учётные записи родителей, учеников и сотрудников для демонстрации входа через Госуслуги.</p>
<h2>Школы</h2>
<ul>
${input.institutions.map(
  (i) => html`<li><strong>${i.name}</strong><br><span class="muted">${i.municipality}; учётных записей: ${input.accountCounts.get(i.id) ?? 0}</span></li>`,
)}
</ul>
<p><a href="/links">Привязки Госуслуг</a>: ${input.linkCount}</p>
</div>
<div class="card">
<h2>Для разработчиков</h2>
<p class="muted">API для брокера ЕСИА (контракт <code>adapters/http/openapi.json</code>):</p>
<p><code>${input.apiUrl}</code></p>
</div>`,
  );
}

export function linksPage(links: readonly { link: RecordedLink; account: AccountRecord | undefined }[], timeZone: string): string {
  return page(
    'Привязки Госуслуг',
    html`<div class="card">
<h1>Привязки Госуслуг</h1>
${
  links.length
    ? html`<table>
<thead><tr><th scope="col">Учётная запись</th><th scope="col">Госуслуги</th><th scope="col">Как привязана</th></tr></thead>
<tbody>
${links.map(
  ({ link, account }) => html`<tr>
<td>${account ? html`${account.lastName} ${account.firstName} ${account.middleName ?? ''}<br><span class="muted">${ROLE_NAMES[account.role]}, ${account.institutionName}; ${link.accountId}</span>` : link.accountId}</td>
<td>oid ${link.esiaOid}</td>
<td>${METHOD_NAMES[link.method] ?? link.method}<br><span class="muted">${formatTime(link.at, timeZone)}</span></td>
</tr>`,
)}
</tbody>
</table>`
    : html`<p>Пока ни одна учётная запись не привязана к Госуслугам.</p>`
}
</div>`,
  );
}

function formatTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat('ru-RU', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(d);
}
