/**
 * The virtual users' HTTP: node:http over one keep-alive agent (lighter than fetch, so the load
 * generator leaves the cores to the servers), manual redirects, and a per-origin cookie jar.
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, timeout: 2_000, maxSockets: 2048, maxFreeSockets: 2048 });

export interface HttpResponse {
  status: number;
  location?: string;
  setCookie: string[];
  body: string;
}

export function http(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}, retries = 2): Promise<HttpResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: init.method ?? 'GET',
        headers: init.body !== undefined ? { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) } : init.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location ? new URL(res.headers.location, url).toString() : undefined,
            setCookie: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed as it was reused: the request never arrived; resend.
      if (retries > 0 && req.reusedSocket && err.code === 'ECONNRESET') http(url, init, retries - 1).then(resolve, reject);
      else reject(err);
    });
    req.end(init.body);
  });
}

/** Cookies of one browser, per origin (host and port), by name and path; expiry by deletion only. */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, { name: string; value: string; path: string }>>();

  header(url: string): string | undefined {
    const u = new URL(url);
    const jar = this.byOrigin.get(u.host);
    if (!jar) return undefined;
    const sent: string[] = [];
    for (const c of jar.values()) {
      if (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)) sent.push(`${c.name}=${c.value}`);
    }
    return sent.length ? sent.join('; ') : undefined;
  }

  store(url: string, setCookie: readonly string[]): void {
    const host = new URL(url).host;
    let jar = this.byOrigin.get(host);
    if (!jar) this.byOrigin.set(host, (jar = new Map()));
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const pathAttr = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const key = `${name}|${path}`;
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(key);
      else jar.set(key, { name, value, path });
    }
  }

  /** Forgets one origin's cookies (a fresh browser session there). */
  clear(origin: string): void {
    this.byOrigin.delete(new URL(origin).host);
  }
}

/** A request with the jar's cookies, storing what comes back. */
export async function browse(jar: CookieJar, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpResponse> {
  const cookie = jar.header(url);
  const response = await http(url, { ...init, headers: cookie ? { ...init.headers, cookie } : init.headers });
  if (response.setCookie.length) jar.store(url, response.setCookie);
  return response;
}

export function postForm(jar: CookieJar, url: string, form: Record<string, string>): Promise<HttpResponse> {
  return browse(jar, url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}
