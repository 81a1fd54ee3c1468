/**
 * A minimal relying party of ESIA itself for page tests: "Войти через Госуслуги" through the broker's real
 * ESIA client against mock-esia, then who logged in, their account level, and the verified tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Router } from '@koa/router';
import type { EsiaClient } from '../../broker/esia/client.ts';
import { deriveAccountLevel } from '../../broker/esia/person.ts';
import { html, page } from '../../mock-esia/views/layout.ts';

const LEVELS = { simplified: 'упрощённая', standard: 'стандартная', confirmed: 'подтверждённая' } as const;

export async function serveDemoLogin(options: {
  host: string;
  port: number;
  esia: (redirectUri: string) => EsiaClient;
}): Promise<{ url: string; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const url = `http://${options.host}:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/callback`;
  const client = options.esia(redirectUri);
  const pending = new Map<string, number>();
  const router = new Router();

  router.get('/', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page(
      'Демо',
      html`<div class="card"><h1>Электронный журнал (демо)</h1>
<p>Вход через тестовый стенд ЕСИА. Выберите любого тестового пользователя.</p>
<form method="post" action="/login"><button type="submit">Войти через Госуслуги</button></form></div>`,
    );
  });
  router.post('/login', async (ctx) => {
    const { url: to, state } = await client.buildAuthorizationUrl({ redirectUri });
    pending.set(state, Date.now());
    ctx.redirect(to);
  });
  router.get('/callback', async (ctx) => {
    const query = new URLSearchParams(ctx.querystring);
    const state = query.get('state') ?? '';
    const started = pending.get(state);
    pending.delete(state);
    ctx.type = 'text/html; charset=utf-8';
    try {
      if (started === undefined || Date.now() - started > 15 * 60_000) throw new Error('unknown or expired state');
      const { code } = client.parseCallback(query, state);
      const tokens = await client.exchangeCode({ code, redirectUri });
      const person = await client.fetchPerson(tokens);
      const { level, child } = deriveAccountLevel({ idToken: tokens.id, person });
      ctx.body = page(
        'Вы вошли',
        html`<div class="card"><h1>${person.lastName ?? ''} ${person.firstName ?? ''} ${person.middleName ?? ''}</h1>
<p>Учётная запись ЕСИА: ${LEVELS[level]}${child ? ' (детская)' : ''}${person.deleted ? ', удалена' : ''}.</p>
<p>Дата рождения: ${person.birthDate ?? '—'}. СНИЛС: ${person.snils ?? '—'}.</p>
<p class="muted">oid ${tokens.access.oid}; подпись токенов ${tokens.access.alg}; проверены по закреплённым сертификатам ЕСИА.</p>
<p><a href="${client.logoutUrl(url)}">Выйти (и из ЕСИА)</a></p>
<p><a href="/">На главную</a></p></div>`,
      );
    } catch (err) {
      console.error('demo login failed:', (err as Error).message);
      ctx.status = 400;
      ctx.body = page('Ошибка', html`<div class="card"><h1>Не удалось войти</h1><p>Попробуйте ещё раз.</p><p><a href="/">На главную</a></p></div>`);
    }
  });
  const app = new Koa();
  app.use(router.routes());
  server.on('request', app.callback());
  return { url, server };
}
