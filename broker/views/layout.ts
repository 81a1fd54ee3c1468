/** The broker's page frame: Russian, plain, accessible, usable on a phone, no external assets. */
import { BASE_STYLE, html, SafeHtml } from '../../core/html.ts';

const BROKER_STYLE = `header{background:#1d3f72}a{color:#0d4cd3}.actions form{margin:0}`;

/** A page script: inline, allowed by the page's CSP nonce. */
export interface PageScript {
  nonce: string;
  code: string;
}

export function brokerPage(title: string, body: SafeHtml, alert?: string, script?: PageScript): string {
  return html`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} — вход в электронный журнал</title>
<style>${new SafeHtml(BASE_STYLE + BROKER_STYLE)}</style>
</head>
<body>
<header>Вход в электронный журнал <small>через Госуслуги (ЕСИА)</small></header>
<main>
${alert ? html`<div class="error" role="alert">${alert}</div>` : ''}
${body}
</main>
${script ? html`<script nonce="${script.nonce}">${new SafeHtml(script.code)}</script>` : ''}
</body>
</html>`.html;
}
