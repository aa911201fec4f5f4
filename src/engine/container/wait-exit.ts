/** Waiting for a container's next exit: the `exit:<id>` signal of the service's in-process emitter. */
import type { EventEmitter } from 'node:events';
import { FailedPrecondition } from '../../errors/index.js';
import type { WaitResponse } from '../../api/types.js';

/**
 * Resolves with `settled` at once when it is given (the container is not running), otherwise with the next
 * `exit:<id>`; after timeoutMs with `{ exitCode: -1, error: 'timeout' }`; rejects when `signal` aborts.
 */
export function waitForExit(
  events: EventEmitter,
  id: string,
  settled: WaitResponse | null,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<WaitResponse> {
  if (settled) return Promise.resolve(settled);
  return new Promise((resolve, reject) => {
    const onExit = (r: WaitResponse) => {
      cleanup();
      resolve(r);
    };
    const onAbort = () => {
      cleanup();
      reject(new FailedPrecondition('wait was cancelled'));
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => onExit({ exitCode: -1, oomKilled: false, error: 'timeout' }), opts.timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      events.off(`exit:${id}`, onExit);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    events.on(`exit:${id}`, onExit);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
