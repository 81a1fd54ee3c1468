import { createHmac } from 'node:crypto';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CookieSigner } from './cookie-signer.ts';

const CURRENT = 'the-current-cookie-key-of-32-chars!';
const OLD = 'an-older-cookie-key-still-accepted!!';

/** The `cookies` package's default signature, written the way its signer makes it. */
function legacySignature(key: string, data: string): string {
  return createHmac('sha1', key)
    .update(data)
    .digest('base64')
    .replace(/\/|\+|=/g, (c) => (c === '/' ? '_' : c === '+' ? '-' : ''));
}

describe('CookieSigner', () => {
  it('signs as the cookies package does, so cookies from before and from other instances verify', () => {
    const signer = new CookieSigner([CURRENT, OLD]);
    // Inputs whose base64 digests have '/', '+' and padding, and a non-ASCII one.
    for (const data of ['_session=abc', '_interaction=x', 'a=1', 'sid=Пётр Иванов', '', 'x'.repeat(500)]) {
      expect(signer.sign(data)).toBe(legacySignature(CURRENT, data));
    }
  });

  it('tells which key made a signature, and refuses anything else', () => {
    const signer = new CookieSigner([CURRENT, OLD]);
    const data = '_session=abc';
    expect(signer.index(data, legacySignature(CURRENT, data))).toBe(0);
    expect(signer.index(data, legacySignature(OLD, data))).toBe(1);
    expect(signer.verify(data, legacySignature(OLD, data))).toBe(true);
    expect(signer.index(data, legacySignature('some-other-key-nobody-configured', data))).toBe(-1);
    expect(signer.index('_session=abd', legacySignature(CURRENT, data))).toBe(-1);
    const good = legacySignature(CURRENT, data);
    expect(signer.index(data, good.slice(0, -1))).toBe(-1);
    expect(signer.index(data, `${good}A`)).toBe(-1);
    expect(signer.index(data, '')).toBe(-1);
    expect(signer.index(data, undefined)).toBe(-1);
    expect(signer.verify(data, good.toLowerCase() === good ? `${good}x` : good.toLowerCase())).toBe(false);
  });

  it('refuses to be made without a key', () => {
    expect(() => new CookieSigner([])).toThrow(/at least one key/);
  });

  it("works as Koa's cookie keys: a signed cookie reads back, a forged one does not, an old key's is signed again", async () => {
    const app = new Koa();
    app.keys = new CookieSigner([CURRENT, OLD]);
    app.use((ctx) => {
      if (ctx.path === '/set') {
        ctx.cookies.set('sid', 'value-1', { signed: true });
        ctx.body = 'set';
      } else {
        ctx.body = ctx.cookies.get('sid', { signed: true }) ?? 'none';
      }
    });
    const server = app.callback();

    const set = await request(server).get('/set');
    const cookies = set.headers['set-cookie'] as unknown as string[];
    const pairs = cookies.map((c) => c.split(';')[0]!);
    expect(pairs).toEqual(['sid=value-1', `sid.sig=${legacySignature(CURRENT, 'sid=value-1')}`]);

    expect((await request(server).get('/get').set('Cookie', pairs.join('; '))).text).toBe('value-1');
    expect((await request(server).get('/get').set('Cookie', `sid=value-2; ${pairs[1]}`)).text).toBe('none');
    expect((await request(server).get('/get').set('Cookie', 'sid=value-1')).text).toBe('none');

    const old = await request(server).get('/get').set('Cookie', `sid=value-1; sid.sig=${legacySignature(OLD, 'sid=value-1')}`);
    expect(old.text).toBe('value-1');
    expect((old.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0])).toEqual([`sid.sig=${legacySignature(CURRENT, 'sid=value-1')}`]);
  });
});
