/**
 * The outbound HTTP factory against a real local node:http server: timeouts, network errors,
 * retries (GET and HEAD only, with backoff), the user agent, no redirects followed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutbound, origin, OutboundError } from './outbound.ts';

interface Seen {
  method: string;
  path: string;
  userAgent?: string;
  at: number;
}

let server: Server;
let base: string;
let seen: Seen[] = [];
/** Per path: the answers to give in order (the last one repeats). */
let script: Record<string, ((req: IncomingMessage, res: ServerResponse, body: string) => void)[]> = {};

const status = (code: number, body = `status ${code}`) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(body);
};
const hang = () => () => {
  /* never answers; the socket is closed by the client or at the end */
};
const late = (ms: number) => (_req: IncomingMessage, res: ServerResponse) => {
  const timer = setTimeout(() => res.end('late'), ms);
  res.on('close', () => clearTimeout(timer));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const count = seen.filter((s) => s.path === path).length;
    seen.push({ method: req.method!, path, userAgent: req.headers['user-agent'], at: Date.now() });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answers = script[path] ?? [status(200, 'ok')];
      answers[Math.min(count, answers.length - 1)]!(req, res, Buffer.concat(chunks).toString());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

// Connections are not closed between tests: closing keep-alive sockets under the client's pool makes
// its next request fail on a dead socket, which is not what these tests are about.
afterEach(() => {
  seen = [];
  script = {};
});

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

async function rejection(promise: Promise<unknown>): Promise<OutboundError> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboundError);
  return err as OutboundError;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('timeouts', () => {
  it('fails ERR_OUTBOUND_TIMEOUT when the server does not answer in time', async () => {
    script['/slow'] = [hang()];
    const outbound = createOutbound({ timeoutMs: 150, retries: 0 });
    const started = Date.now();
    const err = await rejection(outbound(`${base}/slow?code=secret-code`));
    expect(err.code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(err.cause).toBeDefined();
    expect(err.message).toContain(`${base}/slow`);
    expect(err.message).not.toContain('secret-code');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('takes a per-request timeout over the factory’s', async () => {
    script['/late'] = [late(400)];
    const outbound = createOutbound({ timeoutMs: 5_000, retries: 0 });
    const started = Date.now();
    expect((await rejection(outbound(`${base}/late`, { timeoutMs: 100 }))).code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(350);
    const slowOk = createOutbound({ timeoutMs: 100, retries: 0 });
    expect((await slowOk(`${base}/late`, { timeoutMs: 2_000 })).status).toBe(200);
  });

  it('retries a GET that timed out, then fails', async () => {
    script['/slow'] = [hang()];
    const outbound = createOutbound({ timeoutMs: 100, retries: 2, backoffMs: 10 });
    expect((await rejection(outbound(`${base}/slow`))).code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(seen.filter((s) => s.path === '/slow')).toHaveLength(3);
  });

  it('never retries a POST that timed out', async () => {
    script['/slow'] = [hang()];
    const outbound = createOutbound({ timeoutMs: 100, retries: 3, backoffMs: 10 });
    expect((await rejection(outbound(`${base}/slow`, { method: 'POST', body: 'a=1' }))).code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(seen).toHaveLength(1);
  });
});

describe('network errors', () => {
  it('fails ERR_OUTBOUND_NETWORK on a closed port, after the GET retries', async () => {
    const port = await closedPort();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 2, backoffMs: 5, fetch: counting });
    const err = await rejection(outbound(`http://127.0.0.1:${port}/rs/prns/1?token=abc`));
    expect(err.code).toBe('ERR_OUTBOUND_NETWORK');
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).toContain(`GET http://127.0.0.1:${port}/rs/prns/1`);
    expect(err.message).not.toContain('token=abc');
    expect(calls).toBe(3);
  });

  it('tries a POST to a closed port once', async () => {
    const port = await closedPort();
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 2, backoffMs: 5, fetch: counting });
    expect((await rejection(outbound(`http://127.0.0.1:${port}/te`, { method: 'POST' }))).code).toBe('ERR_OUTBOUND_NETWORK');
    expect(calls).toBe(1);
  });
});

describe('retries', () => {
  it('retries a GET on 503 up to `retries` times with growing backoff, then returns the last response', async () => {
    script['/busy'] = [status(503, 'first'), status(503, 'second'), status(503, 'third'), status(503, 'fourth')];
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 2, backoffMs: 60 });
    const started = Date.now();
    const response = await outbound(`${base}/busy`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('third');
    const attempts = seen.filter((s) => s.path === '/busy');
    expect(attempts).toHaveLength(3);
    // Delays are drawn from [d/2, d] with d = 60, then 120: at least 30 and 60 ms.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(25);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(55);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('stops retrying at the first good answer', async () => {
    script['/flaky'] = [status(503), status(502), status(200, 'finally')];
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 5, backoffMs: 5 });
    const response = await outbound(`${base}/flaky`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finally');
    expect(seen).toHaveLength(3);
  });

  it('retries 429, 502, 503 and 504 but not 500 or 4xx', async () => {
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 1, backoffMs: 5 });
    for (const code of [429, 502, 503, 504]) {
      script[`/s${code}`] = [status(code)];
      expect((await outbound(`${base}/s${code}`)).status).toBe(code);
      expect(seen.filter((s) => s.path === `/s${code}`)).toHaveLength(2);
    }
    for (const code of [500, 501, 400, 401, 404]) {
      script[`/s${code}`] = [status(code)];
      expect((await outbound(`${base}/s${code}`)).status).toBe(code);
      expect(seen.filter((s) => s.path === `/s${code}`)).toHaveLength(1);
    }
  });

  it('retries HEAD like GET; never retries POST, PUT or DELETE', async () => {
    script['/busy'] = [status(503)];
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 2, backoffMs: 5 });
    expect((await outbound(`${base}/busy`, { method: 'head' })).status).toBe(503);
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.method === 'HEAD')).toBe(true);
    for (const method of ['POST', 'post', 'PUT', 'DELETE']) {
      seen = [];
      const response = await outbound(`${base}/busy`, { method, body: method === 'DELETE' ? undefined : 'x=1' });
      expect(response.status).toBe(503);
      expect(await response.text()).toBe('status 503');
      expect(seen).toHaveLength(1);
    }
  });

  it('defaults to two retries', async () => {
    script['/busy'] = [status(503)];
    const outbound = createOutbound({ timeoutMs: 2_000, backoffMs: 5 });
    expect((await outbound(`${base}/busy`)).status).toBe(503);
    expect(seen).toHaveLength(3);
  });

  it('does not retry with retries: 0', async () => {
    script['/busy'] = [status(503)];
    const outbound = createOutbound({ timeoutMs: 2_000, retries: 0, backoffMs: 5 });
    expect((await outbound(`${base}/busy`)).status).toBe(503);
    expect(seen).toHaveLength(1);
  });
});

describe('requests', () => {
  it('sets the default user agent, a configured one, and keeps the caller’s', async () => {
    await createOutbound({ timeoutMs: 2_000 })(`${base}/ua`);
    await createOutbound({ timeoutMs: 2_000, userAgent: 'school-broker/1.2 (+https://example.ru)' })(`${base}/ua`);
    await createOutbound({ timeoutMs: 2_000, userAgent: 'ignored' })(`${base}/ua`, { headers: { 'User-Agent': 'caller/9' } });
    expect(seen.map((s) => s.userAgent)).toEqual(['esia-school-broker', 'school-broker/1.2 (+https://example.ru)', 'caller/9']);
  });

  it('keeps other headers and the body', async () => {
    let received: { auth?: string; type?: string; body: string } | undefined;
    script['/echo'] = [
      (req, res, body) => {
        received = { auth: req.headers.authorization, type: req.headers['content-type'], body };
        res.end('{}');
      },
    ];
    const outbound = createOutbound({ timeoutMs: 2_000 });
    const response = await outbound(`${base}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    });
    expect(response.status).toBe(200);
    expect(received).toEqual({ auth: 'Bearer t', type: 'application/x-www-form-urlencoded', body: 'a=1&b=2' });
  });

  it('does not follow redirects', async () => {
    script['/moved'] = [
      (_req, res) => {
        res.writeHead(302, { location: `${base}/elsewhere` });
        res.end();
      },
    ];
    const response = await createOutbound({ timeoutMs: 2_000 })(`${base}/moved`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${base}/elsewhere`);
    expect(seen.map((s) => s.path)).toEqual(['/moved']);
  });
});

describe('origin', () => {
  it('keeps origin and path, drops the query and fragment', () => {
    expect(origin('https://esia.gosuslugi.ru/aas/oauth2/v2/ac?client_secret=x&code=y#z')).toBe('https://esia.gosuslugi.ru/aas/oauth2/v2/ac');
    expect(origin('not a url')).toBe('(invalid URL)');
  });
});
