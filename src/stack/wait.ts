/**
 * Waiting on containers without polling: subscribe to the event bus first, then look at the current state,
 * then look again on every event about one of the containers (start, die, health_status, destroy). A state
 * reached between "act" and "subscribe" cannot be missed, because the first look happens after subscribing.
 *
 * The conditions are Compose's depends_on conditions, as pure functions of a container's inspect view:
 *   started    the container has been started (it may have exited since)
 *   healthy    its health check says healthy; unhealthy, or exited, is a failure
 *   completed  it exited with code 0; another exit code is a failure
 */
import { FailedPrecondition, NotFound, Unavailable } from '../errors/index.js';
import type { ContainerInspect, PureEvent } from '../api/types.js';
import type { ContainerPort, EventSource } from './ports.js';
import type { DependsCondition } from './types.js';

/** pending: look again on the next event; ok: done; an Error: failed. */
export type Verdict = 'pending' | 'ok' | Error;

export function startedVerdict(c: ContainerInspect): Verdict {
  if (c.state.running || c.state.startedAt !== null) return 'ok';
  return 'pending';
}

export function healthyVerdict(c: ContainerInspect): Verdict {
  const health = c.state.health?.status;
  if (health === 'healthy') return 'ok';
  if (health === 'unhealthy') return new FailedPrecondition(`dependency failed to start: container ${c.name} is unhealthy`);
  if (c.state.startedAt !== null && !c.state.running && !c.state.restarting) {
    return new FailedPrecondition(`dependency failed to start: container ${c.name} exited (${c.state.exitCode})`);
  }
  if (!c.state.running) return 'pending';
  const test = c.config.healthcheck?.test ?? [];
  if (health === undefined && (test.length === 0 || test[0] === 'NONE')) {
    return new FailedPrecondition(`dependency failed to start: container ${c.name} has no healthcheck configured`);
  }
  return 'pending';
}

export function completedVerdict(c: ContainerInspect, service: string): Verdict {
  if (c.state.startedAt === null || c.state.running || c.state.restarting) return 'pending';
  if (c.state.exitCode === 0) return 'ok';
  return new FailedPrecondition(`service "${service}" didn't complete successfully: container ${c.name} exited with code ${c.state.exitCode}`);
}

export function verdictFor(condition: DependsCondition, c: ContainerInspect, service: string): Verdict {
  switch (condition) {
    case 'service_started':
      return startedVerdict(c);
    case 'service_healthy':
      return healthyVerdict(c);
    case 'service_completed_successfully':
      return completedVerdict(c, service);
  }
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long with Unavailable; default never. */
  timeoutMs?: number;
  /** Called once per container when its verdict becomes ok. */
  onReady?: (c: ContainerInspect) => void;
}

/**
 * Resolve when `verdict` is ok for every container in `ids`; reject with the first failure. A container that
 * disappears (removed meanwhile) is a failure.
 */
export function waitForContainers(
  containers: ContainerPort,
  events: EventSource,
  ids: readonly string[],
  verdict: (c: ContainerInspect) => Verdict,
  opts: WaitOptions = {},
): Promise<void> {
  const pending = new Set(ids);
  const names = new Map<string, string>();
  if (pending.size === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      unsubscribe();
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const look = (id: string): void => {
      if (settled || !pending.has(id)) return;
      let view: ContainerInspect;
      try {
        view = containers.inspect(id);
      } catch (e) {
        finish(e instanceof NotFound ? new FailedPrecondition(`container ${id.slice(0, 12)} was removed while waiting for it`) : (e as Error));
        return;
      }
      names.set(id, view.name);
      const v = verdict(view);
      if (v === 'pending') return;
      if (v instanceof Error) {
        finish(v);
        return;
      }
      pending.delete(id);
      opts.onReady?.(view);
      if (pending.size === 0) finish();
    };
    const onEvent = (e: PureEvent): void => {
      if (e.type === 'container' && pending.has(e.id)) look(e.id);
    };
    const onAbort = (): void => finish(new Unavailable('cancelled: the client went away'));
    const unsubscribe = events.subscribe(onEvent);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined) {
      const who = (): string => [...pending].map((id) => names.get(id) ?? id.slice(0, 12)).join(', ');
      timer = setTimeout(() => finish(new Unavailable(`timed out after ${opts.timeoutMs! / 1000}s waiting for ${who()}`)), opts.timeoutMs);
    }
    for (const id of ids) look(id);
  });
}
