/**
 * The consent story in a real browser (Debian's Chromium), two people at once on phone-sized screens:
 * the pupil's first ESIA login is held on a waiting page; the parent opens the broker's cabinet in
 * another browser, approves; the pupil's page continues by itself into the journal. Then the parent
 * revokes, and the pupil's next ESIA login is held again. The journal (mock-journal) is the relying party.
 */
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { PHONE, useDemoInChromium } from '../helpers/demo-browser.ts';

const demo = useDemoInChromium('consent-shots-');
const { shot } = demo;

/** mock-esia: pick the persona if it asks, and grant the scopes if it asks. */
async function throughEsia(page: Page, person: RegExp): Promise<void> {
  await page.waitForURL((url) => url.origin === demo.stack.esia.url || url.origin === demo.stack.broker.url);
  if (new URL(page.url()).pathname === '/login') await page.getByRole('button', { name: person }).click();
  await page.waitForLoadState();
  if (new URL(page.url()).origin === demo.stack.esia.url && page.url().includes('/consent')) {
    await page.getByRole('button', { name: 'Предоставить' }).click();
  }
}

async function journalLogin(context: BrowserContext, role: string, person: RegExp): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${demo.stack.journal.url}/`);
  await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
  await page.getByRole('button', { name: role }).click();
  await throughEsia(page, person);
  return page;
}

async function openCabinet(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${demo.stack.broker.url}/cabinet`);
  await shot(page, '20-cabinet-landing');
  await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
  await throughEsia(page, /Иванова Мария Петровна/);
  await page.waitForURL(`${demo.stack.broker.url}/cabinet`);
  return page;
}

describe('parental consent in Chromium, pupil and parent side by side', () => {
  it('holds the pupil until the parent approves in the cabinet, then the pupil page continues by itself', async () => {
    const parentContext = await demo.browser.newContext(PHONE);
    const pupilContext = await demo.browser.newContext(PHONE);
    try {
      // The mother logs in to the journal once: her account links itself (confirmed, SNILS).
      const parentJournal = await journalLogin(parentContext, 'Родитель', /Иванова Мария Петровна/);
      await parentJournal.waitForURL(`${demo.stack.journal.url}/me`);

      // The son (15, standard account) links his journal account with the school password and is held.
      const pupil = await journalLogin(pupilContext, 'Ученик', /Иванов Пётр Сергеевич/);
      await expect(pupil.getByRole('heading', { name: 'Свяжите учётную запись журнала' }).isVisible()).resolves.toBe(true);
      await pupil.getByLabel('Логин').fill('ivanov.p');
      await pupil.getByLabel('Пароль').fill('uchenik-2001');
      await pupil.getByRole('button', { name: /Связать/ }).click();
      await pupil.waitForURL(new RegExp(`^${demo.stack.broker.url}/interaction/[^/]+/consent$`));
      await expect(pupil.getByRole('heading', { name: 'Нужно согласие родителя' }).isVisible()).resolves.toBe(true);
      await expect(pupil.getByText('Мы отправили запрос родителю').isVisible()).resolves.toBe(true);
      await shot(pupil, '21-pupil-waiting');

      // The mother opens the cabinet in her own browser and approves.
      const cabinet = await openCabinet(parentContext);
      await expect(cabinet.getByText('Иванов Пётр Сергеевич').first().isVisible()).resolves.toBe(true);
      await shot(cabinet, '22-cabinet-request');
      await cabinet.getByRole('button', { name: 'Разрешить вход' }).click();
      await cabinet.waitForURL(`${demo.stack.broker.url}/cabinet?done=granted`);
      await expect(cabinet.getByText('Вы разрешили вход').isVisible()).resolves.toBe(true);
      await shot(cabinet, '23-cabinet-granted');

      // Nobody touches the pupil's page: it notices and finishes the login in the journal.
      await pupil.waitForURL(`${demo.stack.journal.url}/me`, { timeout: 15_000 });
      await expect(pupil.getByText('s-2001').first().isVisible()).resolves.toBe(true);
      await shot(pupil, '24-pupil-in-journal');

      // The mother revokes; the son's next ESIA login is held again.
      await cabinet.getByRole('button', { name: 'Отозвать разрешение' }).click();
      await cabinet.waitForURL(`${demo.stack.broker.url}/cabinet?done=revoked`);
      await expect(cabinet.getByText('Разрешение отозвано').first().isVisible()).resolves.toBe(true);
      const later = await demo.browser.newContext(PHONE);
      try {
        const again = await journalLogin(later, 'Ученик', /Иванов Пётр Сергеевич/);
        await again.waitForURL(new RegExp(`^${demo.stack.broker.url}/interaction/[^/]+/consent$`));
        await expect(again.getByRole('heading', { name: 'Нужно согласие родителя' }).isVisible()).resolves.toBe(true);
      } finally {
        await later.close();
      }
    } finally {
      await parentContext.close();
      await pupilContext.close();
    }
  });
});
