/** The mock's login, consent and error pages. */
import type { Persona } from '../../fixtures/personas.ts';
import { html, page } from './layout.ts';

export const SCOPE_TITLES: Readonly<Record<string, string>> = {
  openid: 'Идентификатор учётной записи',
  fullname: 'Фамилия, имя и отчество',
  birthdate: 'Дата рождения',
  gender: 'Пол',
  birthplace: 'Место рождения',
  snils: 'СНИЛС',
  inn: 'ИНН',
  id_doc: 'Данные документа, удостоверяющего личность',
  email: 'Адрес электронной почты',
  mobile: 'Номер мобильного телефона',
  contacts: 'Контактные данные',
  addresses: 'Адреса',
  usr_org: 'Организации, в которых вы работаете',
  kid_fullname: 'Фамилии, имена и отчества детей',
  kid_birthdate: 'Даты рождения детей',
  kid_gender: 'Пол детей',
  kid_snils: 'СНИЛС детей',
  kid_inn: 'ИНН детей',
  kid_birth_cert_doc: 'Свидетельства о рождении детей',
  kid_medical_doc: 'Полисы ОМС детей',
  kid_school_data: 'Сведения об обучении детей',
};

const LEVEL_TITLES = { simplified: 'упрощённая', standard: 'стандартная', confirmed: 'подтверждённая' } as const;

function accountNote(p: Persona): string {
  const kind = p.esia.accountKind === 'child' ? 'детская учётная запись' : `${LEVEL_TITLES[p.esia.level]} учётная запись`;
  return p.esia.status === 'DELETED' ? `${kind}, удалена` : kind;
}

/** Login: pick a test person, or type a login and password. */
export function loginPage(requestId: string, systemName: string, people: readonly Persona[], error?: string): string {
  const buttons = people.map(
    (p) => html`<button class="persona" type="submit" name="persona" value="${p.key}">
${p.esia.lastName} ${p.esia.firstName} ${p.esia.middleName ?? ''}<span>${accountNote(p)}</span></button>`,
  );
  return page(
    'Вход',
    html`<div class="card">
<h1>Вход в систему «${systemName}»</h1>
<form method="post" action="/login" autocomplete="off">
<input type="hidden" name="req" value="${requestId}">
<label for="login">Телефон, почта или СНИЛС</label>
<input id="login" name="login" type="text" required>
<label for="password">Пароль</label>
<input id="password" name="password" type="password" required>
<button type="submit">Войти</button>
</form>
</div>
<div class="card">
<h2>Или выберите тестового пользователя</h2>
<p class="muted">Только на тестовом стенде: вход без пароля.</p>
<form method="post" action="/login">
<input type="hidden" name="req" value="${requestId}">
${buttons}
</form>
</div>`,
    error,
  );
}

/** Consent: the data the system asks for, allow or deny. */
export function consentPage(requestId: string, systemName: string, personName: string, scopes: readonly string[]): string {
  return page(
    'Предоставление прав доступа',
    html`<div class="card">
<h1>Предоставление прав доступа</h1>
<p>${personName}, система «${systemName}» запрашивает доступ к вашим данным:</p>
<ul class="scopes">${scopes.map((s) => html`<li>${SCOPE_TITLES[s] ?? s}</li>`)}</ul>
<form method="post" action="/consent">
<input type="hidden" name="req" value="${requestId}">
<button type="submit" name="decision" value="allow">Предоставить</button>
<button class="secondary" type="submit" name="decision" value="deny">Отказать</button>
</form>
</div>`,
  );
}

/** An error that cannot be sent back to the system (unknown system, bad redirect address). */
export function errorPage(description: string): string {
  return page(
    'Ошибка',
    html`<div class="card">
<h1>Не удалось выполнить вход</h1>
<p>Система, с которой вы пришли, отправила неверный запрос. Вернитесь на её сайт и попробуйте ещё раз; если ошибка повторится, сообщите в её службу поддержки.</p>
<p class="muted">Код ошибки: ${description}</p>
</div>`,
  );
}

/** After logout without a return address. */
export function loggedOutPage(): string {
  return page('Выход', html`<div class="card"><h1>Вы вышли из учётной записи</h1><p>Можно закрыть эту страницу.</p></div>`);
}
