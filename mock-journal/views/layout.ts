/** HTML pages of mock-journal: Russian, plain, accessible, usable on a phone. */
import { BASE_STYLE, html, SafeHtml } from '../../core/html.ts';

export { html, SafeHtml } from '../../core/html.ts';

const EXTRA_STYLE = `
header{background:#1f6f43}
table{width:100%;border-collapse:collapse;font-size:.9375rem}
th,td{text-align:left;padding:8px 6px;border-bottom:1px solid #d5dde8;vertical-align:top}
th{font-weight:600}
code{font-size:.875rem;word-break:break-all}
nav a{margin-right:16px}
`;

/** A whole page. `title` is plain text. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Электронный журнал (демо)</title>
<style>${new SafeHtml(BASE_STYLE + EXTRA_STYLE)}</style>
</head>
<body>
<header>Электронный журнал (демо) <small>Демонстрационный школьный журнал для разработки. Не вводите настоящие данные.</small></header>
<main>
<nav class="muted"><a href="/">Главная</a><a href="/links">Привязки Госуслуг</a></nav>
${body}
</main>
</body>
</html>`.html;
}
