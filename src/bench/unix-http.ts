/**
 * A tiny JSON client over a unix socket with node:http — enough for Pure's API (/run/pure/pure.sock) and the
 * Docker Engine API (/var/run/docker.sock). Deliberately dependency-free so the benchmark measures the
 * daemons, not a client library. A keep-alive agent is used, as a real API client would.
 */
import http from 'node:http';
import { Internal } from '../errors/index.js';

export interface JsonResponse {
  status: number;
  body: unknown;
}

export class UnixJsonClient {
  readonly socketPath: string;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly timeoutMs: number;

  /** `timeoutMs` bounds each request (default 60 000). */
  constructor(socketPath: string, opts: { timeoutMs?: number } = {}) {
    this.socketPath = socketPath;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  request(method: string, path: string, body?: unknown): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          method,
          path,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Internal(`${method} ${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new Internal(`${method} ${path} on ${this.socketPath}: ${e.message}`, { cause: e })));
      req.end(payload);
    });
  }

  /** Like request, but throws unless the status is 2xx; returns the parsed body. */
  async ok(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.request(method, path, body);
    if (res.status < 200 || res.status >= 300) {
      throw new Internal(`${method} ${path} → ${res.status}: ${typeof res.body === 'string' ? res.body : JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
