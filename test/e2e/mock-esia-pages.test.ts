/**
 * mock-esia's pages in a real browser (Debian's Chromium), on a phone-sized screen: the demo entry
 * page → ESIA login (pick a person) → consent → back, logged in; and the typed-password path with a
 * wrong password first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { esiaClientFor, startMockEsia, type MockEsiaEnv } from '../helpers/mock-esia.ts';
import { serveDemoLogin } from '../helpers/esia-login-page.ts';

let env: MockEsiaEnv;
let demo: Awaited<ReturnType<typeof serveDemoLogin>>;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  env = await startMockEsia();
  demo = await serveDemoLogin({ host: '127.0.0.1', port: 0, esia: () => esiaClientFor(env) });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  demo?.server.close();
  await env?.close();
});

const phone = { viewport: { width: 390, height: 844 }, locale: 'ru-RU', isMobile: true, hasTouch: true };

describe('mock-esia pages in Chromium', () => {
  it('logs in by picking a test person, then shows who logged in', async () => {
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.waitForURL(/\/login\?req=/);
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    await expect(page.getByLabel('Телефон, почта или СНИЛС').isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: /Иванова Мария Петровна/ }).click();
    await page.waitForURL(/\/consent\?req=/);
    await expect(page.getByText('СНИЛС', { exact: true }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Предоставить' }).click();
    await page.waitForURL(/\/callback\?/);
    await expect(page.getByRole('heading', { name: 'Иванова Мария Петровна' }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Учётная запись ЕСИА: подтверждённая.').isVisible()).resolves.toBe(true);
    // Nothing overflows a phone screen.
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
    await context.close();
  });

  it('refuses a wrong password with a clear message, then accepts the right one', async () => {
    const context = await browser.newContext(phone);
    const page = await context.newPage();
    await page.goto(`${demo.url}/`);
    await page.getByRole('button', { name: 'Войти через Госуслуги' }).click();
    await page.waitForURL(/\/login\?req=/);
    await page.getByLabel('Телефон, почта или СНИЛС').fill('popova.oi@example.ru');
    await page.getByLabel('Пароль').fill('wrong');
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Неверный логин или пароль');
    await page.getByLabel('Телефон, почта или СНИЛС').fill('678-901-234 38');
    await page.getByLabel('Пароль').fill('Gosuslugi-2026');
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    await page.waitForURL(/\/consent\?req=/);
    await page.getByRole('button', { name: 'Отказать' }).click();
    await page.waitForURL(/\/callback\?/);
    await expect(page.getByRole('heading', { name: 'Не удалось войти' }).isVisible()).resolves.toBe(true);
    await context.close();
  });
});
