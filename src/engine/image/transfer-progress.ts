/**
 * Progress of a pull or push, one event per change, in the spirit of Docker's JSON messages: the CLI draws
 * per-layer bars on a terminal and prints one line per event otherwise.
 */
export interface TransferEvent {
  /**
   * resolved | waiting | exists | downloading | verified | extracting | extracted |
   * pushing | pushed | mounted | manifest | done
   */
  status: string;
  /** A layer's short id (12 hex chars of its digest), when the event is about one layer. */
  id?: string;
  /** Bytes transferred so far, and in all (when known). */
  current?: number;
  total?: number;
  /** A human line: `Digest: sha256:…`, `Status: Downloaded newer image for busybox:1`. */
  message?: string;
}

export type ProgressSink = (event: TransferEvent) => void;

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** A byte counter that reports at most every `intervalMs` (and always the last count). */
export function throttledCounter(report: (bytes: number) => void, intervalMs = 200): { add(n: number): void; flush(): void } {
  let bytes = 0;
  let last = 0;
  return {
    add(n: number) {
      bytes += n;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        report(bytes);
      }
    },
    flush() {
      report(bytes);
    },
  };
}

/** Run at most `limit` tasks at once. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
