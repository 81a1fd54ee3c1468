/** What each refusal tells a person, in plain Russian, always with what to do next. */
import type { Role } from '../../adapters/types.ts';
import type { AccountLevel } from '../esia/person.ts';
import type { Refusal } from '../login/policy.ts';
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

export function refusalText(reason: Refusal | 'no_account', role: Role, level: AccountLevel, minimum: AccountLevel): RefusalText {
  switch (reason) {
    case 'level_too_low':
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
