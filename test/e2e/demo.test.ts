/**
 * The demo clicked through in a real browser (Debian's Chromium) on a phone-sized screen: the journal's
 * «Войти через Госуслуги» → the broker's role page → mock ESIA → back in the journal, logged in as its
 * own account; a person with no linked account sees what to do; logout. Screenshots are saved to
 * `$SCREENSHOT_DIR` (default a temporary folder) for people to look at.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PHONE, useDemoInChromium } from '../helpers/demo-browser.ts';

const demo = useDemoInChromium('demo-shots-');
const { shot } = demo;

async function throughEsia(page: Page, person: RegExp): Promise<void> {
  await page.waitForURL(new RegExp(`^${demo.stack.esia.url}/login`));
  await page.getByRole('button', { name: person }).click();
  await page.waitForLoadState();
  // mock-esia's own consent page (the broker has a /consent page of its own: parental consent).
  if (new URL(page.url()).origin === demo.stack.esia.url && page.url().includes('/consent')) await page.getByRole('button', { name: 'Предоставить' }).click();
}

describe('the demo in Chromium', () => {
  it('logs a parent into the journal through the broker and ESIA, then logs out', async () => {
    const context = await demo.browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${demo.stack.journal.url}/`);
    await shot(page, '01-journal-home');
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.waitForURL(new RegExp(`^${demo.stack.broker.url}/interaction/`));
    await shot(page, '02-broker-role');
    await page.getByRole('button', { name: 'Родитель' }).click();
    await page.waitForURL(new RegExp(`^${demo.stack.esia.url}/login`));
    await shot(page, '03-esia-login');
    await page.getByRole('button', { name: /Иванова Мария Петровна/ }).click();
    await page.waitForURL(/\/consent/);
    await shot(page, '04-esia-consent');
    await page.getByRole('button', { name: 'Предоставить' }).click();
    await page.waitForURL(`${demo.stack.journal.url}/me`);
    await shot(page, '05-journal-logged-in');
    await expect(page.getByText('p-1001').first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Иванова Мария Петровна' }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.waitForURL(new RegExp(`^${demo.stack.broker.url}/session/end`));
    await shot(page, '06-broker-logout');
    await page.getByRole('button', { name: 'Выйти', exact: true }).click();
    await page.waitForURL(`${demo.stack.journal.url}/`);
    await context.close();
  });

  it('offers a person with no linked journal account to link by hand, and returns to the journal', async () => {
    const context = await demo.browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${demo.stack.journal.url}/`);
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.getByRole('button', { name: 'Родитель' }).click();
    await throughEsia(page, /Волков Сергей Николаевич/);
    await page.waitForURL(new RegExp(`^${demo.stack.broker.url}/interaction/[^/]+/esia`));
    // The journal can check school passwords, so the broker offers linking by hand.
    await expect(page.getByRole('heading', { name: 'Свяжите учётную запись журнала' }).isVisible()).resolves.toBe(true);
    await shot(page, '07-broker-manual-link');
    await page.getByRole('button', { name: 'Вернуться в журнал' }).click();
    await page.waitForURL(new RegExp(`^${demo.stack.journal.url}/oidc/callback`));
    await expect(page.getByText('no_linked_account').isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('lets a teacher at two schools pick the school', async () => {
    const context = await demo.browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${demo.stack.journal.url}/`);
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.getByRole('button', { name: 'Сотрудник школы' }).click();
    await throughEsia(page, /Соколова Наталья Владимировна/);
    await expect(page.getByRole('heading', { name: 'Выберите школу' }).isVisible()).resolves.toBe(true);
    await shot(page, '08-broker-institution');
    await page.getByRole('button', { name: /Лицей № 2/ }).click();
    await page.waitForURL(`${demo.stack.journal.url}/me`);
    await expect(page.getByText('t-3002').first().isVisible()).resolves.toBe(true);
    await context.close();
  });

  it('lets a pupil who logged in with the school password link ESIA from the journal; her ESIA login then waits for a parent', async () => {
    const context = await demo.browser.newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${demo.stack.journal.url}/`);
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.getByRole('link', { name: 'Войти по школьному логину и паролю' }).click();
    await page.getByLabel('Логин').fill('kuznetsova.e');
    await page.getByLabel('Пароль').fill('uchenik-2004');
    await shot(page, '09-broker-school-login');
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await page.waitForURL(`${demo.stack.journal.url}/me`);
    await page.getByRole('button', { name: 'Привязать учётную запись Госуслуг' }).click();
    await throughEsia(page, /Кузнецова Екатерина Андреевна/);
    await page.waitForURL(new RegExp(`^${demo.stack.journal.url}/settings/esia-linked`));
    await expect(page.getByText('Учётная запись Госуслуг привязана').isVisible()).resolves.toBe(true);
    await shot(page, '10-journal-linked');
    // ESIA now finds her journal account; at 17 her first ESIA login waits for a parent's consent
    // (her only parent has a simplified account, so nobody is found: the page says what to do).
    const fresh = await demo.browser.newContext(PHONE);
    const again = await fresh.newPage();
    await again.goto(`${demo.stack.journal.url}/`);
    await again.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await again.getByRole('button', { name: 'Ученик' }).click();
    await throughEsia(again, /Кузнецова Екатерина Андреевна/);
    await again.waitForURL(new RegExp(`^${demo.stack.broker.url}/interaction/[^/]+/consent$`));
    await expect(again.getByRole('heading', { name: 'Нужно согласие родителя' }).isVisible()).resolves.toBe(true);
    await expect(again.getByText('Мы не нашли родителя').isVisible()).resolves.toBe(true);
    await shot(again, '11-broker-consent-no-parent');
    await fresh.close();
    await context.close();
  });
});
