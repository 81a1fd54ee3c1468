/**
 * The node:http(s) transport against a real local server: what it sends and returns, size limit,
 * timeout, and what it refuses.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeTransport, type TransportRequest } from './node-transport.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname;
      if (path === '/request') {
        const { host, authorization, connection } = req.headers;
        res.end(JSON.stringify({ url: req.url, host, authorization: authorization ?? null, connection }));
        return;
      }
      if (path === '/echo') {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-multi', ['a', 'b']);
        res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(), length: req.headers['content-length'] ?? null, agent: req.headers['user-agent'] ?? null }));
      } else if (path === '/empty') {
        res.writeHead(204).end();
      } else if (path === '/big') {
        res.end(Buffer.alloc(64 * 1024, 0x61));
      } else if (path === '/redirect') {
        res.writeHead(302, { location: '/echo' }).end();
      } // any other path never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('createNodeTransport', () => {
  const transport = createNodeTransport({ maxBodyBytes: 32 * 1024 });
  const GET: TransportRequest = { method: 'GET', headers: {}, timeoutMs: 2_000 };
  const nodeFetch = (url: string, init: Partial<TransportRequest> = {}) => transport(url, { ...GET, ...init });

  it('sends the method, headers and string body, and returns status, headers and body', async () => {
    const response = await nodeFetch(`${base}/echo`, { method: 'POST', headers: { 'user-agent': 'test-agent' }, body: 'a=1&b=ж' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(await response.json()).toEqual({ method: 'POST', body: 'a=1&b=ж', length: String(Buffer.byteLength('a=1&b=ж')), agent: 'test-agent' });
  });

  it('sends the path with its query, Host with the port, keep-alive, and credentials in the URL as Basic', async () => {
    const response = await nodeFetch(`${base.replace('//', '//user:p%40ss@')}/request?a=1&b=%D0%B6`);
    const port = new URL(base).port;
    expect(await response.json()).toEqual({
      url: '/request?a=1&b=%D0%B6',
      host: `127.0.0.1:${port}`,
      authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
      connection: 'keep-alive',
    });
    // The caller's own Authorization wins over the URL's credentials.
    const own = await nodeFetch(`${base.replace('//', '//user:pw@')}/request`, { headers: { authorization: 'Bearer t' } });
    expect(((await own.json()) as { authorization: string }).authorization).toBe('Bearer t');
  });

  it('reaches an IPv6 host, with the brackets in Host only', async () => {
    const v6 = createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host })));
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    try {
      const port = (v6.address() as AddressInfo).port;
      const response = await nodeFetch(`http://[::1]:${port}/`);
      expect(await response.json()).toEqual({ host: `[::1]:${port}` });
    } finally {
      v6.closeAllConnections();
      v6.close();
    }
  });

  it('refuses a header value that would split the request', async () => {
    await expect(nodeFetch(`${base}/request`, { headers: { 'x-evil': 'a\r\nx-injected: 1' } })).rejects.toThrow();
  });

  it('returns a 204 without a body and does not follow redirects', async () => {
    const empty = await nodeFetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    const redirect = await nodeFetch(`${base}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/echo');
  });

  it('refuses a response body over the limit', async () => {
    await expect(nodeFetch(`${base}/big`)).rejects.toThrow(/fetch failed/);
  });

  it('gives up after its time limit with a TimeoutError', async () => {
    const err = await nodeFetch(`${base}/hang`, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('TimeoutError');
  });

  it('refuses what it does not support: other protocols, malformed URLs, http when https is required', async () => {
    await expect(nodeFetch('ftp://127.0.0.1/x')).rejects.toThrow(/unsupported protocol/);
    await expect(nodeFetch('not a url')).rejects.toThrow(/fetch failed/);
    await expect(createNodeTransport({ httpsOnly: 'https only' })(`${base}/echo`, GET)).rejects.toThrow('https only');
  });

  it('fails as fetch does when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(nodeFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow(TypeError);
  });
});
