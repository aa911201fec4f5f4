/**
 * A create request plus the image's config gives the container's config, with docker's precedence:
 * the request's entrypoint/cmd/env/workdir/user/stop signal win over the image's; a new entrypoint clears the
 * image's Cmd; env is the image's, then the request's (a later KEY wins); the health check is merged field by
 * field (resolveHealthcheck).
 */
import { isAbsolute } from 'node:path';
import { InvalidArgument } from '../../errors/index.js';
import type { ContainerCreateRequest, HealthConfig, ImageConfig } from '../../api/types.js';
import type { ContainerRecord } from './record.js';
import type { ImageView } from './ports.js';

export interface BuildRecordInput {
  id: string;
  name: string;
  req: ContainerCreateRequest;
  image: ImageView;
  created: string;
  snapshotter: string;
  runtime: string;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function mergeEnv(...lists: readonly (readonly string[] | undefined)[]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) {
    for (const kv of list ?? []) {
      const eq = kv.indexOf('=');
      if (eq === 0) throw new InvalidArgument(`invalid environment variable "${kv}": empty name`);
      out.set(eq < 0 ? kv : kv.slice(0, eq), kv);
    }
  }
  return [...out.values()];
}

/** Docker's defaults for a health check's fields left unset (0 or absent) by the request and the image. */
export const HEALTH_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, startPeriodMs: 0, retries: 3 } as const;

const NS_PER_MS = 1e6;

/**
 * The effective health check of a container, or undefined when it has none, as docker merges them: no
 * request check → the image's HEALTHCHECK; a request check → each field the request leaves unset (empty
 * test, 0 or absent duration/retries) comes from the image, then from HEALTH_DEFAULTS. A test ["NONE"]
 * (`--no-healthcheck`, compose `disable: true`) turns the image's check off; so does an empty test with
 * no image test (only --health-interval & co. given). Image durations are nanoseconds, ours milliseconds.
 */
export function resolveHealthcheck(req: HealthConfig | undefined, image: ImageConfig['Healthcheck']): HealthConfig | undefined {
  if (req === undefined && image === undefined) return undefined;
  const fromImage = (ns: number | undefined): number | undefined => (ns ? Math.round(ns / NS_PER_MS) : undefined);
  const pick = <K extends keyof typeof HEALTH_DEFAULTS>(key: K, imageValue: number | undefined): number => {
    const v = req?.[key];
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new InvalidArgument(`invalid healthcheck ${key} ${v}: it cannot be negative`);
    if (key !== 'retries' && v !== undefined && v > 0 && v < 1) {
      throw new InvalidArgument(`invalid healthcheck ${key} ${v}: it must be at least 1ms`);
    }
    return v || imageValue || HEALTH_DEFAULTS[key];
  };
  const test = req?.test && req.test.length > 0 ? req.test : (image?.Test ?? []);
  const config: HealthConfig = {
    test: [...test],
    intervalMs: pick('intervalMs', fromImage(image?.Interval)),
    timeoutMs: pick('timeoutMs', fromImage(image?.Timeout)),
    startPeriodMs: pick('startPeriodMs', fromImage(image?.StartPeriod)),
    retries: pick('retries', image?.Retries),
  };
  if (!Number.isInteger(config.retries)) throw new InvalidArgument(`invalid healthcheck retries ${config.retries}: an integer is required`);
  const [kind, ...rest] = config.test;
  if (kind === undefined || kind === 'NONE') return undefined;
  if (kind === 'CMD' && rest.length > 0 && rest[0] !== '') return config;
  if (kind === 'CMD-SHELL' && rest.length === 1 && rest[0]?.trim()) return config;
  throw new InvalidArgument(
    `invalid healthcheck test ${JSON.stringify(config.test)}: use ["CMD", program, args...], ["CMD-SHELL", "command"] or ["NONE"]`,
  );
}

/** The argv a health test runs in the container: CMD-SHELL goes through /bin/sh -c, as docker's does on Linux. */
export function healthArgv(test: readonly string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1] ?? ''] : test.slice(1);
}

export function buildRecord(input: BuildRecordInput): { record: ContainerRecord; warnings: string[] } {
  const { req, image } = input;
  const ic = image.config;
  const warnings: string[] = [];
  const entrypoint = req.entrypoint ?? ic.Entrypoint ?? [];
  const cmd = req.cmd && req.cmd.length > 0 ? req.cmd : req.entrypoint !== undefined ? [] : (ic.Cmd ?? []);
  if (entrypoint.length + cmd.length === 0) {
    throw new InvalidArgument(`no command given and image "${req.image}" has neither Entrypoint nor Cmd`);
  }
  const env = mergeEnv(ic.Env?.some((e) => e.startsWith('PATH=')) ? [] : [DEFAULT_PATH], ic.Env, req.env);
  // docker's default: the "bridge" network; the network module checks that a named one exists
  const network = req.network ?? 'bridge';
  for (const b of req.binds ?? []) {
    if (!isAbsolute(b.source)) throw new InvalidArgument(`invalid bind mount "${b.source}": the host path must be absolute`);
    if (!isAbsolute(b.destination)) throw new InvalidArgument(`invalid bind mount destination "${b.destination}": must be absolute`);
  }
  for (const p of Object.keys(req.tmpfs ?? {})) {
    if (!isAbsolute(p)) throw new InvalidArgument(`invalid --tmpfs "${p}": the path must be absolute`);
  }
  const r = req.resources ?? {};
  if (r.memory !== undefined && r.memory > 0 && r.memory < 6 * 1024 * 1024) {
    throw new InvalidArgument(`invalid --memory ${r.memory}: the minimum is 6MB`);
  }
  if (r.memorySwap !== undefined && r.memorySwap !== -1 && r.memory !== undefined && r.memorySwap < r.memory) {
    throw new InvalidArgument(`invalid --memory-swap ${r.memorySwap}: it must be at least --memory (${r.memory}) or -1`);
  }
  if (r.memorySwap !== undefined && r.memorySwap !== -1 && r.memory === undefined) {
    throw new InvalidArgument('invalid --memory-swap: it needs --memory as well');
  }
  const healthcheck = resolveHealthcheck(req.healthcheck, ic.Healthcheck);
  const record: ContainerRecord = {
    id: input.id,
    name: input.name,
    created: input.created,
    image: req.image,
    imageId: image.id,
    config: {
      ...req,
      entrypoint,
      cmd,
      env,
      network,
      workingDir: req.workingDir || ic.WorkingDir || '/',
      user: req.user ?? ic.User ?? '',
      stopSignal: req.stopSignal ?? ic.StopSignal ?? 'SIGTERM',
      labels: { ...(ic.Labels ?? {}), ...(req.labels ?? {}) },
      healthcheck,
    },
    status: 'created',
    pid: 0,
    exitCode: 0,
    oomKilled: false,
    error: '',
    startedAt: null,
    finishedAt: null,
    restartCount: 0,
    manuallyStopped: false,
    conmonPid: 0,
    snapshotter: input.snapshotter,
    runtime: input.runtime,
  };
  return { record, warnings };
}
