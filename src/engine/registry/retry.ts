/** Bounded retries with exponential backoff, for what a registry or the network may fail transiently. */
import { Unavailable } from '../../errors/index.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number;
  /** Delay before the second attempt; doubled each time, with up to 50% jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** No single wait is longer than this (a registry's Retry-After included). Default 10 s. */
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/** An error worth retrying: HTTP 429/5xx or a reset connection. `retryAfterMs` comes from Retry-After. */
export class TransientError extends Unavailable {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);

/** A network error Node or undici raises for a dropped connection (its code, or its cause's). */
export function isTransientNetworkError(e: unknown): boolean {
  for (let err = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; err && depth < 4; err = err.cause as typeof err, depth++) {
    if (typeof err.code === 'string' && TRANSIENT_CODES.has(err.code)) return true;
  }
  return false;
}

export async function withRetry<T>(what: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 10_000;
  for (let n = 1; ; n++) {
    opts.signal?.throwIfAborted();
    try {
      return await what();
    } catch (e) {
      const transient = e instanceof TransientError || isTransientNetworkError(e);
      if (!transient || n >= attempts || opts.signal?.aborted) throw e;
      const hinted = e instanceof TransientError ? e.retryAfterMs : undefined;
      const delay = Math.min(max, hinted ?? base * 2 ** (n - 1) * (1 + Math.random() / 2));
      await sleep(delay, opts.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
