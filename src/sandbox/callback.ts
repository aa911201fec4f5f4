/**
 * Callbacks: when a job that named `callbackUrl` ends, the daemon POSTs the finished job (the same JSON as
 * GET /v1/jobs/{id}) to it. A daemon that POSTs wherever a job says is an SSRF tool, so only loopback http
 * URLs are accepted unless the daemon is told otherwise. Delivery is bounded: a few attempts with doubling
 * backoff, each with a timeout; a 2xx ends it. The daemon delivers through the durable outbox
 * (callback-outbox.ts), which keeps pending deliveries in SQLite across restarts and makes one attempt at a
 * time with postCallback; deliverCallback is the same loop in memory.
 */
import { InvalidArgument } from '../errors/index.js';

export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** InvalidArgument unless `url` is http(s) to one of `hosts`. */
export function checkCallbackUrl(url: string, hosts: readonly string[] = LOOPBACK_HOSTS): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgument(`invalid callbackUrl ${JSON.stringify(url)}: not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgument(`invalid callbackUrl ${JSON.stringify(url)}: want http or https`);
  if (u.username !== '' || u.password !== '') throw new InvalidArgument(`invalid callbackUrl ${JSON.stringify(url)}: no credentials in the URL`);
  if (!hosts.includes(u.hostname.toLowerCase())) {
    throw new InvalidArgument(`invalid callbackUrl ${JSON.stringify(url)}: host "${u.hostname}" is not allowed (allowed: ${hosts.join(', ')})`);
  }
}

export interface DeliveryOptions {
  /** Attempts at most. Default 5. */
  attempts?: number;
  /** Wait before the second attempt, doubled after each, ms. Default 200. */
  backoffMs?: number;
  /** Per attempt, ms. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** One POST of `payload` (JSON text): whether a 2xx came back, and why not. Never throws. */
export async function postCallback(url: string, payload: string, o: { timeoutMs?: number; signal?: AbortSignal; fetch?: typeof fetch; headers?: Record<string, string> } = {}): Promise<{ ok: boolean; error?: string }> {
  const doFetch = o.fetch ?? fetch;
  try {
    const signals = [AbortSignal.timeout(o.timeoutMs ?? 5000), ...(o.signal ? [o.signal] : [])];
    const res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...o.headers }, body: payload, redirect: 'manual', signal: AbortSignal.any(signals) });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, error: `HTTP ${res.status}` };
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    return { ok: false, error: cause ?? (e as Error).message };
  }
}

/** POST `body` as JSON until a 2xx or the attempts run out. Resolves with whether it was delivered. */
export async function deliverCallback(url: string, body: unknown, o: DeliveryOptions = {}): Promise<{ delivered: boolean; attempts: number; lastError?: string }> {
  const attempts = o.attempts ?? 5;
  const doFetch = o.fetch ?? fetch;
  const payload = JSON.stringify(body);
  let lastError = '';
  for (let i = 1; i <= attempts; i++) {
    if (o.signal?.aborted) return { delivered: false, attempts: i - 1, lastError: 'aborted' };
    const r = await postCallback(url, payload, { ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), ...(o.signal ? { signal: o.signal } : {}), fetch: doFetch });
    if (r.ok) return { delivered: true, attempts: i };
    lastError = r.error ?? '';
    if (i < attempts) await sleep((o.backoffMs ?? 200) * 2 ** (i - 1), o.signal);
  }
  return { delivered: false, attempts, lastError };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
