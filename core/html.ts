/** Safe HTML building for server-rendered pages: every interpolated value is escaped. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Tagged template that escapes every interpolated value unless it is already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.html;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** The shared look of every page: plain, high-contrast, large touch targets, no external assets. */
export const BASE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0b1f33;background:#eef2f7}
header{background:#0d4cd3;color:#fff;padding:12px 16px;font-weight:600}
header small{display:block;font-weight:400;opacity:.85}
main{max-width:560px;margin:16px auto;padding:0 12px}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 4px rgba(11,31,51,.12);margin-bottom:16px}
h1{font-size:1.35rem;margin:0 0 12px}
h2{font-size:1.1rem;margin:0 0 8px}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=text],input[type=password]{width:100%;padding:12px;font-size:1rem;border:1px solid #8a9bb0;border-radius:8px}
button{display:block;width:100%;min-height:48px;margin-top:12px;padding:10px 16px;font-size:1rem;border-radius:8px;border:0;background:#0d4cd3;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0d4cd3;border:2px solid #0d4cd3}
button.persona{background:#fff;color:#0b1f33;border:1px solid #c5d0de;text-align:left}
button.persona span{display:block;font-size:.875rem;color:#4a5d75}
button:focus,input:focus{outline:3px solid #ffb400;outline-offset:2px}
.error{background:#fde8e8;border-left:4px solid #c0392b;padding:12px;border-radius:8px;margin-bottom:12px}
ul.scopes{padding-left:20px}
.muted{color:#4a5d75;font-size:.875rem}
`;
