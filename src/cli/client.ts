/**
 * The CLI's HTTP client for the daemon's API over its unix socket (src/api/types.ts is the contract).
 * node:http with `socketPath` rather than undici: the CLI starts for every command and undici's import cost
 * shows in `pure run --rm IMG true`. Errors come back as PureError with the daemon's code and message.
 */
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { PureError, Unavailable, ERROR_CODES, type ErrorCode } from '../errors/index.js';

export const DEFAULT_SOCKET = '/run/pure/pure.sock';

/** `--host unix:///path` (or a bare path) → the socket path; other schemes are not served by the daemon yet. */
export function socketFromHost(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new PureError('invalid_argument', `invalid --host "${host}": only unix:///path/to/socket is supported`);
}

export interface RequestOptions {
  /** Query parameters; arrays repeat the key; undefined and false are left out, true is sent as 1. */
  query?: Record<string, string | number | boolean | undefined | readonly string[]>;
  signal?: AbortSignal;
}

export class ApiClient {
  constructor(readonly socketPath: string) {}

  /** A JSON request; resolves with the parsed body (undefined for an empty body). */
  async json<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await this.send(method, path, opts, (req) => {
      if (payload) {
        req.setHeader('content-type', 'application/json');
        req.setHeader('content-length', payload.length);
      }
      req.end(payload);
    });
    return (await readJson(res)) as T;
  }

  /** Stream `body` (a tarball, a file) as the request body; resolves with the JSON answer. */
  async upload<T>(path: string, body: Readable, opts: RequestOptions & { contentType?: string } = {}): Promise<T> {
    const res = await this.send('POST', path, opts, (req) => {
      req.setHeader('content-type', opts.contentType ?? 'application/x-tar');
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    });
    return (await readJson(res)) as T;
  }

  /** A GET (or `opts.method`, with an optional JSON `body`) whose answer is NDJSON: yields one parsed value per line, as the lines arrive. */
  async *stream<T>(path: string, opts: RequestOptions & { method?: string; body?: unknown } = {}): AsyncGenerator<T> {
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const res = await this.send(opts.method ?? 'GET', path, opts, (req) => {
      if (payload) {
        req.setHeader('content-type', 'application/json');
        req.setHeader('content-length', payload.length);
      }
      req.end(payload);
    });
    if ((res.statusCode ?? 500) >= 400) {
      await readJson(res);
      return;
    }
    let pending = '';
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
    if (pending.trim()) yield JSON.parse(pending) as T;
  }

  /** A request whose answer the caller reads as it comes (a stream); rejects with the API's error for a status >= 400. */
  async open(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    const res = await this.send(method, path, opts, (req) => req.end());
    if ((res.statusCode ?? 500) >= 400) await readJson(res); // throws the ApiError
    return res;
  }

  /** The ws URL of a WebSocket route on this socket, in the `ws` package's unix-socket form. */
  wsUrl(path: string, query?: RequestOptions['query']): string {
    return `ws+unix://${this.socketPath}:${withQuery(path, query)}`;
  }

  private send(
    method: string,
    path: string,
    opts: RequestOptions,
    write: (req: ReturnType<typeof request>) => void,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      // Our own connection instead of http's global Agent: the Agent's first request runs net.isIP('localhost'),
      // whose first call compiles V8's IPv6 regex (~4 ms of every command, measured); one request per socket
      // is all the CLI needs anyway.
      const socketPath = this.socketPath;
      const req = request({
        createConnection: () => connect(socketPath),
        method,
        path: withQuery(path, opts.query),
        signal: opts.signal,
      });
      req.on('response', resolve);
      req.on('error', (err) => reject(connectionError(err, this.socketPath)));
      write(req);
    });
  }
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, value === true ? '1' : String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function connectionError(err: unknown, socketPath: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new Unavailable(
      `cannot connect to the Pure daemon at ${socketPath}: is it running? (start it with: pure daemon &)`,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new Unavailable(`cannot connect to the Pure daemon at ${socketPath}: permission denied (run as root)`, { cause: err });
  }
  if (err instanceof Error && err.name === 'AbortError') return err;
  if (!(err instanceof Error)) return new Unavailable(`the Pure daemon at ${socketPath} did not answer: ${String(err)}`);
  return new Unavailable(`the Pure daemon at ${socketPath} did not answer: ${err.message}`, { cause: err });
}

/** The PureError for an ApiError body; an unknown code becomes `internal`. */
export function apiError(body: unknown, status: number): PureError {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  const code: ErrorCode = ERROR_CODES.includes(b.code as ErrorCode) ? (b.code as ErrorCode) : 'internal';
  const message = typeof b.message === 'string' && b.message ? b.message : `the daemon answered HTTP ${status}`;
  return new PureError(code, message);
}

async function readJson(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = res.statusCode ?? 500;
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = status >= 400 ? { message: text.trim().split('\n')[0] } : text;
    }
  }
  if (status >= 400) throw apiError(body, status);
  return body;
}
