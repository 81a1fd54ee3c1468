/** The parent cabinet's pages: plain Russian, one column, large buttons, usable on a phone. */
import type { JournalAccount } from '../../adapters/types.ts';
import type { AccountLevel } from '../esia/person.ts';
import { html, type SafeHtml } from '../../core/html.ts';
import type { ConsentRecord, ConsentState, ParentEvidence } from '../consent/store.ts';
import type { Link } from '../links/store.ts';
import { brokerPage } from './layout.ts';
import { linkedAccountsList } from './pages.ts';

export interface CabinetRecordView {
  record: ConsentRecord;
  /** The pupil's journal account, where the journal answered. */
  pupil?: JournalAccount;
  evidence?: ParentEvidence;
}

export interface CabinetView {
  csrf: string;
  pending: CabinetRecordView[];
  granted: CabinetRecordView[];
  history: CabinetRecordView[];
  children: { account: JournalAccount; esiaLinked: boolean; consent?: ConsentState }[];
  links: { link: Link; journalName: string }[];
  journalDown: boolean;
  /** The region's time zone, for showing times. */
  timeZone: string;
}

const STATE_TITLES: Record<ConsentState, string> = {
  pending: 'ждёт вашего решения',
  granted: 'вход разрешён',
  declined: 'запрос отклонён',
  revoked: 'разрешение отозвано',
  expired: 'запрос истёк',
};

const EVIDENCE_TITLES: Record<ParentEvidence, string> = {
  journal_relation: 'вы указаны родителем в электронном журнале',
  esia_children: 'ребёнок есть в списке ваших детей на Госуслугах',
};

const LEVEL_TITLES: Record<AccountLevel, string> = { simplified: 'упрощённая', standard: 'стандартная', confirmed: 'подтверждённая' };

/** Times are kept in UTC and shown in the region's zone. */
const when = (iso: string, timeZone: string) => new Intl.DateTimeFormat('ru-RU', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));

const pupilName = (v: { pupil?: JournalAccount; record: ConsentRecord }): string => {
  if (!v.pupil) return `ученик (учётная запись ${v.record.pupilAccounts[0]?.accountId ?? '—'})`;
  const { lastName, firstName, middleName } = v.pupil.fullName;
  return [lastName, firstName, middleName].filter(Boolean).join(' ');
};
const pupilDetail = (account?: JournalAccount): string =>
  account ? [account.institution.name, account.className ? `класс ${account.className}` : ''].filter(Boolean).join(', ') : '';

const actionForm = (path: string, csrf: string, id: string, label: string, secondary = false) =>
  html`<form method="post" action="/cabinet/consents/${path}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="consent" value="${id}"><button ${secondary ? html`class="secondary" ` : ''}type="submit">${label}</button></form>`;

export function cabinetLandingPage(): string {
  return brokerPage(
    'Кабинет родителя',
    html`<div class="card">
<h1>Кабинет родителя</h1>
<p>Здесь родители разрешают детям 14–17 лет входить в электронный журнал через Госуслуги, отзывают разрешение и видят историю.</p>
<p>Войти в кабинет можно с подтверждённой учётной записью Госуслуг.</p>
<form method="post" action="/cabinet/login"><button type="submit">Войти через Госуслуги</button></form>
</div>`,
  );
}

const REFUSALS: Record<string, (level: AccountLevel, minimum: AccountLevel) => { title: string; text: string; todo: string }> = {
  cabinet_level_too_low: (level, minimum) => ({
    title: `Нужна ${LEVEL_TITLES[minimum]} учётная запись Госуслуг`,
    text: `Давать согласие за ребёнка можно только с ${minimum === 'confirmed' ? 'подтверждённой' : LEVEL_TITLES[minimum]} учётной записью Госуслуг, а у вас — ${LEVEL_TITLES[level]}.`,
    todo: 'подтвердите учётную запись Госуслуг: в центре обслуживания (МФЦ), в онлайн-банке или электронной подписью. Затем войдите в кабинет снова.',
  }),
  account_deleted: () => ({
    title: 'Учётная запись Госуслуг удалена',
    text: 'Войти в кабинет с удалённой учётной записью нельзя.',
    todo: 'восстановите учётную запись на Госуслугах.',
  }),
  child_account: () => ({
    title: 'Детская учётная запись Госуслуг',
    text: 'Кабинет родителя открывается только со взрослой учётной записью Госуслуг.',
    todo: 'войдите со своей учётной записью Госуслуг.',
  }),
};

export function cabinetRefusalPage(reason: string, level: AccountLevel, minimum: AccountLevel): string {
  const t = (REFUSALS[reason] ?? REFUSALS.cabinet_level_too_low!)(level, minimum);
  return brokerPage(
    t.title,
    html`<div class="card">
<h1>${t.title}</h1>
<p>${t.text}</p>
<p><strong>Что делать:</strong> ${t.todo}</p>
<p><a href="/cabinet">Вернуться в кабинет родителя</a></p>
</div>`,
  );
}

export function cabinetPage(view: CabinetView, notice?: string): string {
  const { csrf } = view;
  const at = (iso: string) => when(iso, view.timeZone);
  const section = (title: string, content: SafeHtml | SafeHtml[] | string) => html`<div class="card"><h2>${title}</h2>${content}</div>`;
  const pending = view.pending.length
    ? view.pending.map(
        (v) => html`<div class="card" data-consent="${v.record.id}">
<p><strong>${pupilName(v)}</strong><br>${pupilDetail(v.pupil)}</p>
<p>Просит разрешения входить в журнал через свою учётную запись Госуслуг. Запрос от ${at(v.record.requestedAt)}.</p>
${v.evidence ? html`<p class="muted">Вы можете решить, потому что ${EVIDENCE_TITLES[v.evidence]}.</p>` : ''}
${actionForm('approve', csrf, v.record.id, 'Разрешить вход')}
${actionForm('decline', csrf, v.record.id, 'Отклонить', true)}
</div>`,
      )
    : html`<p>Новых запросов нет.</p>`;
  const granted = view.granted.length
    ? view.granted.map(
        (v) => html`<div class="card" data-consent="${v.record.id}">
<p><strong>${pupilName(v)}</strong><br>${pupilDetail(v.pupil)}</p>
<p>Вход через Госуслуги разрешён ${v.record.decision ? at(v.record.decision.at) : ''}.</p>
${actionForm('revoke', csrf, v.record.id, 'Отозвать разрешение', true)}
</div>`,
      )
    : html`<p>Разрешений нет.</p>`;
  const children = view.children.length
    ? html`<ul>${view.children.map(
        (c) => html`<li>${[c.account.fullName.lastName, c.account.fullName.firstName].join(' ')}${c.account.className ? `, ${c.account.className}` : ''} — ${
          c.consent ? STATE_TITLES[c.consent] : c.esiaLinked ? 'учётная запись Госуслуг привязана, запросов не было' : 'учётная запись Госуслуг не привязана'
        }</li>`,
      )}</ul>`
    : html`<p>Журнал не связывает вас ни с одним учеником. Если это ошибка, обратитесь в школу.</p>`;
  const history = view.history.length
    ? html`<ul>${view.history.map(
        (v) => html`<li>${pupilName(v)}: ${STATE_TITLES[v.record.state]}, запрос от ${at(v.record.requestedAt)}${
          v.record.decision ? `, решение ${at(v.record.decision.at)}` : ''
        }${v.record.revocation ? `, отозвано ${at(v.record.revocation.at)}` : ''}</li>`,
      )}</ul>`
    : html`<p>Истории пока нет.</p>`;
  const links = linkedAccountsList(view.links, csrf, '/cabinet/links/unlink');
  return brokerPage(
    'Кабинет родителя',
    html`<div class="card"><h1>Кабинет родителя</h1>
${notice ? html`<p role="status"><strong>${notice}</strong></p>` : ''}
${view.journalDown ? html`<p class="error" role="alert">Электронный журнал сейчас не отвечает, поэтому часть сведений может не показываться.</p>` : ''}
</div>
${section('Запросы на согласие', pending)}
${section('Разрешения', granted)}
${section('Мои дети', children)}
${section('История', history)}
${section('Мои учётные записи журналов', links)}
<form method="post" action="/cabinet/logout"><input type="hidden" name="csrf" value="${csrf}"><button class="secondary" type="submit">Выйти из кабинета</button></form>`,
  );
}
