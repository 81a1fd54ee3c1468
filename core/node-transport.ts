/**
 * The outbound transport over `node:http` / `node:https` with keep-alive agents: what the outbound
 * factory uses by default, and what mutual TLS uses with its own agent (Node 20's global fetch cannot
 * present a client certificate). It does only what the broker's calls need — string bodies, buffered
 * responses of a bounded size, a timeout, no redirects followed — and answers with a plain
 * {@link OutboundResponse} rather than a WHATWG `Response`: the global fetch (undici, WHATWG streams)
 * was the broker's largest cost per login in `bench/login.ts`, and building a `Response`, `Headers` and
 * an `AbortSignal` around node:http still cost about as much as the exchange itself.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { expireTimer } from './deadline.ts';

/** What outbound callers read of an answer; a WHATWG `Response` has the same shape. */
export interface OutboundResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** A stream to cancel when the body is not read; null when it is buffered already. */
  readonly body: { cancel(): Promise<void> } | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface TransportRequest {
  readonly method: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange's time limit, milliseconds; past it the call fails with a `TimeoutError`. */
  readonly timeoutMs: number;
}

/** One HTTP exchange: never follows redirects, rejects on network failures and timeouts. */
export type Transport = (url: string, request: TransportRequest) => Promise<OutboundResponse>;

export interface NodeTransportOptions {
  /** Agent for http: URLs; default a shared keep-alive agent. */
  readonly httpAgent?: HttpAgent;
  /** Agent for https: URLs; default a shared keep-alive agent. */
  readonly httpsAgent?: HttpsAgent;
  /** Refuse plain http: URLs with this message (mutual TLS). */
  readonly httpsOnly?: string;
  /** Largest response body accepted, bytes (default 4 MiB). */
  readonly maxBodyBytes?: number;
}

/**
 * Idle connections are dropped after 2 s, well before servers' usual 5 s keep-alive timeout, so that
 * a busy event loop does not reuse a connection the server is closing.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 2_000 };
let sharedHttp: HttpAgent | undefined;
let sharedHttps: HttpsAgent | undefined;

/** The error a timed-out exchange rejects with (the same name as `AbortSignal.timeout`'s). */
export function timeoutError(ms: number): DOMException {
  return new DOMException(`no answer within ${ms} ms`, 'TimeoutError');
}

/** A failed exchange, as the global fetch reports one (`TypeError('fetch failed')` with the cause). */
function failed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** An answer's headers as `Headers.get` reads them (a class: see `Exchange` on closures per call). */
class ResponseHeaders {
  constructor(private readonly raw: IncomingMessage['headers']) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }
}

class BufferedResponse implements OutboundResponse {
  readonly ok: boolean;
  readonly body = null;
  readonly headers: ResponseHeaders;

  constructor(
    readonly status: number,
    raw: IncomingMessage['headers'],
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new ResponseHeaders(raw);
  }

  text(): Promise<string> {
    return Promise.resolve(this.bytes.toString('utf8'));
  }

  json(): Promise<unknown> {
    try {
      return Promise.resolve(JSON.parse(this.bytes.toString('utf8')));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

/**
 * The request's headers as node:http's flat list (name, value, …), Host first. Given as a list, node:http
 * validates and renders them in one pass instead of one `setHeader` each (and adds `Connection` as it
 * would); `Host`, `Content-Length` and credentials in the URL are then ours to add, as it would add them.
 */
function headerList(url: URL, init: TransportRequest): string[] {
  const list: string[] = [];
  if (init.headers.host === undefined) list.push('host', url.host);
  for (const name of Object.keys(init.headers)) list.push(name, init.headers[name]!);
  if (init.body !== undefined) list.push('content-length', String(Buffer.byteLength(init.body)));
  if ((url.username || url.password) && init.headers.authorization === undefined) {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    list.push('authorization', `Basic ${Buffer.from(user).toString('base64')}`);
  }
  return list;
}

/**
 * One exchange in flight. Its event handlers are this class's methods, bound per exchange, rather than
 * closures made per call, which lose their optimized code at every full collection (see
 * core/deadline.ts). Its time limit is its own rather than a `Deadline`: when it passes, the request
 * is destroyed too, and the answer arrives through events rather than as a promise.
 */
class Exchange {
  private settled = false;
  private request: ClientRequest | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private chunks: Buffer[] = [];
  private size = 0;
  readonly promise: Promise<OutboundResponse>;
  private resolve!: (response: OutboundResponse) => void;
  private reject!: (err: unknown) => void;

  constructor(
    private readonly requestOptions: RequestOptions,
    private readonly init: TransportRequest,
    private readonly agent: HttpAgent | HttpsAgent,
    private readonly https: boolean,
    private readonly maxBody: number,
  ) {
    this.promise = new Promise<OutboundResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(expireTimer, init.timeoutMs, this);
    this.send(2);
  }

  send(retries: number): void {
    const options = { ...this.requestOptions, agent: this.agent };
    let req: ClientRequest;
    try {
      req = this.https ? httpsRequest(options) : httpRequest(options);
    } catch (err) {
      // node:http refuses some requests before sending (a header value that would split the request).
      return this.fail(err);
    }
    this.request = req;
    req.on('error', this.requestFailed.bind(this, req, retries));
    req.on('response', this.receive.bind(this));
    req.end(this.init.body);
  }

  requestFailed(req: ClientRequest, retries: number, err: NodeJS.ErrnoException): void {
    // A kept-alive connection the server closed just as we reused it: the request never reached it,
    // so it goes again (as Node's documentation advises), at most twice more.
    if (!this.settled && retries > 0 && req.reusedSocket && err.code === 'ECONNRESET') return this.send(retries - 1);
    this.fail(failed(err));
  }

  receive(res: IncomingMessage): void {
    res.on('data', this.data.bind(this, res));
    res.on('error', this.responseFailed.bind(this));
    res.on('end', this.end.bind(this, res));
  }

  data(res: IncomingMessage, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBody) {
      res.destroy(new Error('response body too large'));
      return;
    }
    this.chunks.push(chunk);
  }

  responseFailed(err: Error): void {
    this.fail(failed(err));
  }

  end(res: IncomingMessage): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const status = res.statusCode ?? 0;
    const noBody = status === 204 || status === 205 || status === 304;
    const { chunks } = this;
    this.resolve(new BufferedResponse(status, res.headers, noBody ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(err);
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.request?.destroy();
    this.reject(timeoutError(this.init.timeoutMs));
  }
}

/** Starts one exchange; a URL node:http cannot take is refused before anything is sent. */
function exchange(input: string, init: TransportRequest, options: NodeTransportOptions, maxBody: number): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(input);
  } catch (err) {
    return Promise.reject(failed(err));
  }
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  if (!https && options.httpsOnly) return Promise.reject(new TypeError(options.httpsOnly));
  const requestOptions: RequestOptions = {
    method: init.method,
    // URL keeps IPv6 hosts in brackets; the socket wants them bare.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port ? Number(url.port) : https ? 443 : 80,
    path: `${url.pathname}${url.search}`,
    headers: headerList(url, init),
  };
  const agent = https ? (options.httpsAgent ?? (sharedHttps ??= new HttpsAgent(KEEP_ALIVE))) : (options.httpAgent ?? (sharedHttp ??= new HttpAgent(KEEP_ALIVE)));
  return new Exchange(requestOptions, init, agent, https, maxBody).promise;
}

export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  return (input, init) => exchange(input, init, options, maxBody);
}
