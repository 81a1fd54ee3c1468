/** What each refusal tells a person, in plain Russian, always with what to do next. */
import type { Role } from '../../adapters/types.ts';
import type { AccountLevel } from '../esia/person.ts';
import type { Refusal } from '../login/policy.ts';
import type { PolicyLevel } from '../../config/broker.ts';
import { ROLE_TITLES } from '../views/pages.ts';

export interface RefusalText {
  title: string;
  explanation: string;
  whatToDo: string;
  /** The OAuth error the relying party receives. */
  error: string;
  description: string;
}

const LEVEL: Record<AccountLevel, string> = { simplified: 'упрощённая', standard: 'стандартная', confirmed: 'подтверждённая' };

const RAISE: Record<AccountLevel, string> = {
  simplified: 'войдите снова.',
  standard: 'укажите в профиле Госуслуг СНИЛС и данные паспорта и дождитесь их проверки, затем войдите снова.',
  confirmed:
    'подтвердите учётную запись Госуслуг: в центре обслуживания (МФЦ), в онлайн-банке или электронной подписью. Затем войдите снова.',
};

export function refusalText(reason: Refusal | 'no_account', role: Role, level: AccountLevel, minimum: PolicyLevel): RefusalText {
  switch (reason) {
    case 'too_young':
      return {
        title: 'Вход через Госуслуги пока недоступен',
        explanation: `С ролью «${ROLE_TITLES[role]}» через Госуслуги входят с 14 лет.`,
        whatToDo: 'войдите по школьному логину и паролю, которые выдала школа.',
        error: 'access_denied',
        description: 'age_not_allowed',
      };
    case 'birth_date_unknown':
      return {
        title: 'В Госуслугах не указана дата рождения',
        explanation: 'Чтобы понять, какие правила входа действуют для вас, нужна дата рождения из Госуслуг.',
        whatToDo: 'укажите дату рождения в профиле Госуслуг и войдите снова. Пока можно войти по школьному логину и паролю.',
        error: 'access_denied',
        description: 'esia_birth_date_missing',
      };
    case 'level_too_low':
      if (minimum === 'none') return refusalText('too_young', role, level, minimum);
      return {
        title: `Нужна ${LEVEL[minimum]} учётная запись Госуслуг`,
        explanation: `Для входа с ролью «${ROLE_TITLES[role]}» нужна ${LEVEL[minimum]} учётная запись Госуслуг, а у вас — ${LEVEL[level]}.`,
        whatToDo: RAISE[minimum],
        error: 'access_denied',
        description: `esia_level_too_low: ${minimum} required`,
      };
    case 'account_deleted':
      return {
        title: 'Учётная запись Госуслуг удалена',
        explanation: 'Войти с удалённой учётной записью нельзя.',
        whatToDo: 'восстановите учётную запись на Госуслугах или войдите с другой.',
        error: 'access_denied',
        description: 'esia_account_deleted',
      };
    case 'child_account':
      return {
        title: 'Детская учётная запись Госуслуг',
        explanation: 'С детской учётной записью Госуслуг войти в журнал нельзя.',
        whatToDo: 'войдите по школьному логину и паролю, которые выдала школа.',
        error: 'access_denied',
        description: 'esia_child_account',
      };
    case 'no_account':
      return {
        title: 'Учётная запись в журнале не найдена',
        explanation: `Мы не нашли учётную запись журнала с ролью «${ROLE_TITLES[role]}», связанную с вашей учётной записью Госуслуг.`,
        whatToDo: 'обратитесь в школу: там проверят ваши данные в журнале и помогут связать учётные записи.',
        error: 'access_denied',
        description: 'no_linked_account',
      };
  }
}

export const UNAVAILABLE = {
  journal: {
    title: 'Журнал не отвечает',
    explanation: 'Электронный журнал сейчас не отвечает, поэтому войти не получилось.',
    whatToDo: 'попробуйте войти через несколько минут.',
    error: 'temporarily_unavailable',
    description: 'journal_unavailable',
  },
  esia: {
    title: 'Госуслуги не отвечают',
    explanation: 'Сервис входа Госуслуг сейчас недоступен.',
    whatToDo: 'попробуйте войти через несколько минут.',
    error: 'temporarily_unavailable',
    description: 'esia_unavailable',
  },
  failed: {
    title: 'Не удалось войти',
    explanation: 'Вход через Госуслуги не завершился.',
    whatToDo: 'вернитесь в журнал и начните вход заново.',
    error: 'access_denied',
    description: 'esia_login_failed',
  },
} satisfies Record<string, RefusalText>;

export const SCHOOL_LOGIN_FAILED =
  'Не удалось войти. Проверьте логин и пароль. После нескольких неудачных попыток вход на время блокируется.';

export const EXPIRED = {
  title: 'Вход устарел',
  text: 'Страница входа устарела или уже использована. Вернитесь на сайт журнала и начните вход заново.',
};

/** The journal account is already linked to another ESIA person. */
export const CONFLICT: RefusalText = {
  title: 'Учётная запись журнала уже связана',
  explanation: 'Эта учётная запись журнала уже связана с другой учётной записью Госуслуг.',
  whatToDo: 'обратитесь в школу: там проверят, чья это учётная запись, и при необходимости снимут старую связь.',
  error: 'access_denied',
  description: 'account_linked_to_another_person',
};

/** The pupil's pages while the login waits for a parent's consent. */
export const CONSENT = {
  waitingTitle: 'Нужно согласие родителя',
  waiting:
    'Вам ещё нет 18 лет. Чтобы входить в журнал со своей учётной записью Госуслуг, нужно один раз получить согласие родителя.',
  sent: 'Мы отправили запрос родителю. Родитель может разрешить вход в кабинете родителя на этом сайте, войдя через Госуслуги.',
  noParent:
    'Мы не нашли родителя, связанного с вами в журнале. Попросите родителя войти в кабинет родителя на этом сайте через Госуслуги: если вы есть в списке его детей на Госуслугах, он увидит запрос. Или попросите школу указать родителя в журнале.',
  continues: 'Эта страница продолжит вход сама, как только родитель согласится. Её можно не закрывать.',
  meanwhile: 'Пока можно войти по школьному логину и паролю.',
  declined: {
    title: 'Родитель не разрешил вход',
    explanation: 'Родитель отклонил запрос на вход через Госуслуги.',
    whatToDo: 'поговорите с родителем: он может разрешить вход в кабинете родителя. Пока входите по школьному логину и паролю.',
    error: 'access_denied',
    description: 'parental_consent_declined',
  },
  closed: {
    title: 'Запрос на согласие закрыт',
    explanation: 'Запрос на согласие родителя больше не действует.',
    whatToDo: 'вернитесь в журнал и войдите снова: мы отправим новый запрос.',
    error: 'access_denied',
    description: 'parental_consent_required',
  },
} as const;

/** When the login itself expired while waiting. */
export const CONSENT_LOGIN_EXPIRED = {
  title: 'Вход устарел',
  text: 'Пока вы ждали, страница входа устарела. Вернитесь в журнал и войдите снова: если родитель уже согласился, вход пройдёт сразу.',
};
