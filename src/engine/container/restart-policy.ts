/**
 * Docker's restart policies as a pure decision: after an exit, restart or not, and after how long.
 * Backoff doubles from 100 ms up to one minute, and resets when the container ran for at least 10 s.
 */
import type { RestartPolicy } from '../../api/types.js';
import { InvalidArgument } from '../../errors/index.js';

export interface ExitFacts {
  exitCode: number;
  restartCount: number;
  manuallyStopped: boolean;
  /** The daemon is starting up: unless-stopped and always restart, on-failure does not (as docker). */
  daemonStart?: boolean;
}

export function shouldRestart(policy: RestartPolicy | undefined, facts: ExitFacts): boolean {
  if (!policy || policy.name === 'no' || facts.manuallyStopped) return false;
  switch (policy.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      if (facts.daemonStart) return false;
      if (facts.exitCode === 0) return false;
      const max = policy.maximumRetryCount ?? 0;
      return max === 0 || facts.restartCount < max;
    }
  }
}

export function restartDelayMs(restartCount: number, ranForMs: number): number {
  if (ranForMs >= 10_000) return 100;
  return Math.min(100 * 2 ** Math.min(restartCount, 10), 60_000);
}

/** Parse `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [name, count, ...rest] = text.split(':');
  if (rest.length === 0) {
    if ((name === 'no' || name === 'always' || name === 'unless-stopped') && count === undefined) return { name };
    if (name === 'on-failure') {
      if (count === undefined) return { name };
      if (/^\d+$/.test(count)) return { name, maximumRetryCount: Number(count) };
      throw new InvalidArgument(`invalid --restart "${text}": the retry count must be a non-negative integer`);
    }
  }
  throw new InvalidArgument(`invalid --restart "${text}": use no, always, unless-stopped or on-failure[:N]`);
}
