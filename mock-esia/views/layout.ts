/** HTML pages of mock-esia: Russian, plain, accessible, usable on a phone. */

import { BASE_STYLE, html, SafeHtml } from '../../core/html.ts';

export { html, escapeHtml, SafeHtml } from '../../core/html.ts';


/** A whole page. `title` is plain text. */
export function page(title: string, body: SafeHtml, status?: string): string {
  return html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Госуслуги (тестовый стенд)</title>
<style>${new SafeHtml(BASE_STYLE)}</style>
</head>
<body>
<header>Госуслуги <small>Тестовый стенд ЕСИА для разработки. Не вводите настоящие данные.</small></header>
<main>
${status ? html`<div class="error" role="alert">${status}</div>` : ''}
${body}
</main>
</body>
</html>`.html;
}
