/**
 * `run`/`create` health flags → ContainerCreateRequest.healthcheck, as docker's CLI reads them:
 * --health-cmd CMD gives test ["CMD-SHELL", CMD]; --health-interval/--health-timeout/--health-start-period take
 * Go durations (30s, 1m30s, 500ms) and --health-retries an integer; flags left out stay unset so the daemon
 * takes them from the image's HEALTHCHECK (an empty test too). --no-healthcheck is test ["NONE"] and cannot
 * be combined with the others.
 */
import { InvalidArgument } from '../errors/index.js';
import { parseGoDuration } from '../lib/index.js';
import type { ContainerCreateRequest, HealthConfig } from '../api/types.js';

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthRetries?: string;
  /** false with --no-healthcheck (commander's negated option). */
  healthcheck?: boolean;
}

function duration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text, flag);
  if (ms < 0) throw new InvalidArgument(`invalid ${flag} "${text}": it cannot be negative`);
  if (ms > 0 && ms < 1) throw new InvalidArgument(`invalid ${flag} "${text}": it must be at least 1ms`);
  return Math.round(ms);
}

export function applyHealthFlags(req: ContainerCreateRequest, f: HealthFlags): void {
  const given = [
    f.healthCmd !== undefined && '--health-cmd',
    f.healthInterval !== undefined && '--health-interval',
    f.healthTimeout !== undefined && '--health-timeout',
    f.healthStartPeriod !== undefined && '--health-start-period',
    f.healthRetries !== undefined && '--health-retries',
  ].filter((x): x is string => x !== false);
  if (f.healthcheck === false) {
    if (given.length > 0) throw new InvalidArgument(`conflicting options: --no-healthcheck and ${given.join(', ')}`);
    req.healthcheck = { test: ['NONE'] };
    return;
  }
  if (given.length === 0) return;
  if (f.healthCmd !== undefined && f.healthCmd.trim() === '') throw new InvalidArgument(`invalid --health-cmd "${f.healthCmd}": a command is required`);
  const hc: HealthConfig = { test: f.healthCmd === undefined ? [] : ['CMD-SHELL', f.healthCmd] };
  const interval = duration(f.healthInterval, '--health-interval');
  const timeout = duration(f.healthTimeout, '--health-timeout');
  const startPeriod = duration(f.healthStartPeriod, '--health-start-period');
  if (interval !== undefined) hc.intervalMs = interval;
  if (timeout !== undefined) hc.timeoutMs = timeout;
  if (startPeriod !== undefined) hc.startPeriodMs = startPeriod;
  if (f.healthRetries !== undefined) {
    if (!/^\d+$/.test(f.healthRetries.trim())) throw new InvalidArgument(`invalid --health-retries "${f.healthRetries}": a non-negative integer is required`);
    hc.retries = Number(f.healthRetries);
  }
  req.healthcheck = hc;
}
