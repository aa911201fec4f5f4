/**
 * One service of the merged, schema-checked file → a StackService: env_file read and merged under
 * `environment`, commands split, ports and mounts parsed, durations in ms, sizes in bytes, host paths
 * resolved. Keys Pure reads but does not honour (build, container_name, deploy.labels) become warnings here;
 * keys it does not know at all are warned about by the loader from the schema.
 */
import path from 'node:path';
import type { HealthConfig, PortBinding, Resources, RestartPolicy } from '../../api/types.js';
import type { DependsCondition, StackDependency, StackMount, StackService, StackServiceNetwork } from '../types.js';
import { isMapping, quote, type Diagnostics, type KeyPath } from './diagnostics.js';
import { parseEnvFile } from './env-file.js';
import { asMapping } from './merge.js';
import type { ComposeService } from './schema.js';
import {
  BadValue,
  parseCpus,
  parseDurationMs,
  parsePortSpec,
  parseProtocol,
  parsePublished,
  parseSize,
  parseVolumeSpec,
  splitCommand,
} from './syntax.js';

export interface ServiceContext {
  diag: Diagnostics;
  /** The project directory: relative paths (binds, env_file) are resolved against it. */
  projectDir: string;
  /** The interpolation environment (CLI environment over .env): bare `environment` keys, `~`. */
  env: Readonly<Record<string, string>>;
  readFile: (file: string) => Promise<string>;
  /** Keys of the top-level `networks:` (plus `default`) and `volumes:`. */
  networks: ReadonlySet<string>;
  volumes: ReadonlySet<string>;
}

export type ServiceWithoutHash = Omit<StackService, 'configHash'>;

/** Run `parse`, turning its BadValue into the one-line error at `at`. */
function at<T>(diag: Diagnostics, where: KeyPath, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BadValue) diag.fail(where, err.message);
    throw err;
  }
}

export async function normaliseService(name: string, raw: ComposeService, ctx: ServiceContext): Promise<ServiceWithoutHash> {
  const diag: Diagnostics = ctx.diag;
  const p = (...rest: (string | number)[]): KeyPath => ['services', name, ...rest];

  if (raw.build !== undefined) diag.warn(p('build'), 'not supported by Pure (no image build), ignored');
  if (raw.container_name !== undefined) {
    diag.warn(p('container_name'), `not supported by Pure (replicas are named <project>-${name}-<n>), ignored`);
  }
  if (raw.deploy?.labels !== undefined) diag.warn(p('deploy', 'labels'), 'not supported by Pure (use labels: for container labels), ignored');
  if (raw.image === undefined || raw.image === '') {
    diag.fail(p('image'), raw.build !== undefined ? 'missing: Pure does not build images (build: is not supported), name an image' : 'missing: every service needs an image');
  }

  const service: ServiceWithoutHash = {
    name,
    image: raw.image,
    environment: await environment(name, raw, ctx),
    ports: ports(name, raw, diag),
    expose: (raw.expose ?? []).map((e, i) => {
      if (!/^\d+(-\d+)?(\/(tcp|udp))?$/.test(e)) diag.fail(p('expose', i), `invalid port ${quote(e)} (PORT[/PROTOCOL] or a range)`);
      return e;
    }),
    mounts: mounts(name, raw, ctx),
    networks: {},
    dependsOn: dependsOn(raw),
    replicas: replicas(name, raw, diag),
    resources: resources(name, raw, diag),
    labels: stringMap(raw.labels),
    tmpfs: tmpfs(name, raw, diag),
    profiles: raw.profiles ?? [],
  };
  for (const key of ['entrypoint', 'command'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    service[key] = typeof value === 'string' ? at(diag, p(key), () => splitCommand(value)) : value;
  }
  networking(service, raw, ctx);
  const health = healthcheck(name, raw, diag);
  if (health) service.healthcheck = health;
  if (raw.restart !== undefined) service.restart = restartPolicy(raw.restart, p('restart'), diag);
  if (raw.init !== undefined) service.init = raw.init;
  if (raw.read_only !== undefined) service.readOnly = raw.read_only;
  if (raw.user !== undefined) service.user = raw.user;
  if (raw.working_dir !== undefined) service.workingDir = raw.working_dir;
  if (raw.hostname !== undefined) service.hostname = raw.hostname;
  if (raw.stop_signal !== undefined) service.stopSignal = raw.stop_signal;
  if (raw.stop_grace_period !== undefined) {
    const grace = raw.stop_grace_period;
    service.stopGracePeriodS = at(diag, p('stop_grace_period'), () => parseDurationMs(grace)) / 1000;
  }
  return service;
}

/** `environment:`/`labels:` (list or mapping) → KEY → string; a null or bare KEY comes from `env`, or is dropped. */
export function stringMap(value: unknown, env?: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(asMapping(value) ?? {})) {
    if (v === null || v === undefined) {
      const fromEnv = env?.[key];
      if (fromEnv !== undefined) out[key] = fromEnv;
      else if (!env) out[key] = '';
    } else {
      out[key] = typeof v === 'string' ? v : JSON.stringify(v);
    }
  }
  return out;
}

async function environment(name: string, raw: ComposeService, ctx: ServiceContext): Promise<Record<string, string>> {
  const files = raw.env_file === undefined ? [] : Array.isArray(raw.env_file) ? raw.env_file : [raw.env_file];
  const out: Record<string, string> = {};
  for (const [i, entry] of files.entries()) {
    const where: KeyPath = Array.isArray(raw.env_file) ? ['services', name, 'env_file', i] : ['services', name, 'env_file'];
    const { path: file, required = true } = typeof entry === 'string' ? { path: entry } : entry;
    const absolute = path.resolve(ctx.projectDir, file);
    let text: string;
    try {
      text = await ctx.readFile(absolute);
    } catch (err) {
      if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      ctx.diag.fail(where, `cannot read ${quote(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    Object.assign(out, parseEnvFile(text, path.relative(ctx.projectDir, absolute) || absolute, ctx.env));
  }
  return Object.assign(out, stringMap(raw.environment, ctx.env));
}

function ports(name: string, raw: ComposeService, diag: Diagnostics): PortBinding[] {
  return (raw.ports ?? []).flatMap((item, i) => {
    const where: KeyPath = ['services', name, 'ports', i];
    if (typeof item === 'string') return at(diag, where, () => parsePortSpec(item));
    return at(diag, where, () => {
      const spec = JSON.stringify(item);
      if (item.target < 1 || item.target > 65535) throw new BadValue(`invalid target port ${item.target} (1-65535)`);
      const binding: PortBinding = { containerPort: item.target, protocol: parseProtocol(item.protocol, spec) };
      const hostPort = parsePublished(item.published, spec);
      if (item.host_ip !== undefined && item.host_ip !== '') binding.hostIp = item.host_ip;
      if (hostPort !== undefined) binding.hostPort = hostPort;
      return [binding];
    });
  });
}

/** A bind source as an absolute host path: `~` from HOME, relative paths from the project directory. */
function hostPath(source: string, where: KeyPath, ctx: ServiceContext): string {
  if (source === '~' || source.startsWith('~/')) {
    const home = ctx.env.HOME;
    if (home === undefined) ctx.diag.fail(where, `cannot resolve ${quote(source)}: HOME is not set`);
    return path.join(home, source.slice(1));
  }
  return path.resolve(ctx.projectDir, source);
}

function mounts(name: string, raw: ComposeService, ctx: ServiceContext): StackMount[] {
  const diag: Diagnostics = ctx.diag;
  const out: StackMount[] = [];
  for (const [i, item] of (raw.volumes ?? []).entries()) {
    const where: KeyPath = ['services', name, 'volumes', i];
    const checkVolume = (source: string): void => {
      if (!ctx.volumes.has(source)) diag.fail(where, `undefined volume ${quote(source)} (declare it under the top-level volumes:)`);
    };
    if (typeof item === 'string') {
      const v = at(diag, where, () => parseVolumeSpec(item));
      if (v.ignoredModes.length > 0) diag.warn(where, `mode ${v.ignoredModes.join(',')} not supported by Pure, ignored`);
      if (v.kind === 'bind') {
        out.push({ type: 'bind', source: hostPath(v.source as string, where, ctx), target: v.target, readOnly: v.readOnly, createHostPath: true });
      } else {
        if (v.source !== undefined) checkVolume(v.source);
        out.push({ type: 'volume', ...(v.source === undefined ? {} : { source: v.source }), target: v.target, readOnly: v.readOnly, noCopy: v.noCopy });
      }
      continue;
    }
    if (!item.target.startsWith('/')) diag.fail([...where, 'target'], `the container path ${quote(item.target)} is not absolute`);
    const readOnly = item.read_only ?? false;
    if (item.type === 'bind') {
      if (item.source === undefined || item.source === '') diag.fail(where, 'a bind mount needs source:');
      out.push({ type: 'bind', source: hostPath(item.source, where, ctx), target: item.target, readOnly, createHostPath: item.bind?.create_host_path ?? false });
    } else if (item.type === 'volume') {
      const source = item.source === '' ? undefined : item.source;
      if (source !== undefined) checkVolume(source);
      out.push({ type: 'volume', ...(source === undefined ? {} : { source }), target: item.target, readOnly, noCopy: item.volume?.nocopy ?? false });
    } else {
      const options: string[] = [];
      const { size, mode } = item.tmpfs ?? {};
      if (size !== undefined) options.push(`size=${at(diag, [...where, 'tmpfs', 'size'], () => parseSize(size))}`);
      if (mode !== undefined) {
        if (!/^0?[0-7]{3,4}$/.test(mode)) diag.fail([...where, 'tmpfs', 'mode'], `invalid mode ${quote(mode)} (octal, such as 1777)`);
        options.push(`mode=${mode}`);
      }
      out.push({ type: 'tmpfs', target: item.target, options: options.join(',') });
    }
  }
  return out;
}

function tmpfs(name: string, raw: ComposeService, diag: Diagnostics): Record<string, string> {
  const list = raw.tmpfs === undefined ? [] : Array.isArray(raw.tmpfs) ? raw.tmpfs : [raw.tmpfs];
  const out: Record<string, string> = {};
  list.forEach((item, i) => {
    const colon = item.indexOf(':');
    const target = colon < 0 ? item : item.slice(0, colon);
    if (!target.startsWith('/')) diag.fail(['services', name, 'tmpfs', ...(Array.isArray(raw.tmpfs) ? [i] : [])], `the container path ${quote(target)} is not absolute`);
    out[target] = colon < 0 ? '' : item.slice(colon + 1);
  });
  return out;
}

function networking(service: ServiceWithoutHash, raw: ComposeService, ctx: ServiceContext): void {
  const where: KeyPath = ['services', service.name];
  if (raw.network_mode !== undefined) {
    if (raw.network_mode !== 'none' && raw.network_mode !== 'host') {
      ctx.diag.fail([...where, 'network_mode'], `unsupported network mode ${quote(raw.network_mode)} (none or host; use networks: to join a network)`);
    }
    if (raw.networks !== undefined) ctx.diag.fail([...where, 'networks'], `cannot be used with network_mode ${quote(raw.network_mode)}`);
    service.networkMode = raw.network_mode;
    return;
  }
  const entries = Object.entries(asMapping(raw.networks) ?? {});
  if (entries.length === 0) entries.push(['default', null]);
  for (const [key, settings] of entries) {
    if (!ctx.networks.has(key)) ctx.diag.fail([...where, 'networks'], `undefined network ${quote(key)} (declare it under the top-level networks:)`);
    const network: StackServiceNetwork = { aliases: [] };
    if (isMapping(settings)) {
      network.aliases = (settings.aliases as string[] | undefined) ?? [];
      if (typeof settings.ipv4_address === 'string') network.ipv4Address = settings.ipv4_address;
    }
    service.networks[key] = network;
  }
}

function dependsOn(raw: ComposeService): Record<string, StackDependency> {
  const out: Record<string, StackDependency> = {};
  for (const [key, settings] of Object.entries(asMapping(raw.depends_on) ?? {})) {
    const s = (isMapping(settings) ? settings : {}) as { condition?: DependsCondition; required?: boolean; restart?: boolean };
    out[key] = { condition: s.condition ?? 'service_started', required: s.required ?? true, restart: s.restart ?? false };
  }
  return out;
}

function healthcheck(name: string, raw: ComposeService, diag: Diagnostics): HealthConfig | undefined {
  const hc = raw.healthcheck;
  if (hc === undefined) return undefined;
  const where: KeyPath = ['services', name, 'healthcheck'];
  if (hc.disable === true) return { test: ['NONE'] };
  if (hc.test === undefined) {
    diag.warn(where, 'no test: the image\'s HEALTHCHECK is used as it is, these settings are ignored');
    return undefined;
  }
  let test: string[];
  if (typeof hc.test === 'string') test = ['CMD-SHELL', hc.test];
  else {
    test = hc.test;
    const kind = test[0];
    if (kind !== 'CMD' && kind !== 'CMD-SHELL' && kind !== 'NONE') {
      diag.fail([...where, 'test'], `must start with CMD, CMD-SHELL or NONE, got ${quote(kind)}`);
    }
    if (kind !== 'NONE' && test.length < 2) diag.fail([...where, 'test'], `${kind} needs a command`);
  }
  const out: HealthConfig = { test };
  for (const [key, field] of [['interval', 'intervalMs'], ['timeout', 'timeoutMs'], ['start_period', 'startPeriodMs']] as const) {
    const value = hc[key];
    if (value !== undefined) out[field] = at(diag, [...where, key], () => parseDurationMs(value));
  }
  if (hc.retries !== undefined) {
    if (hc.retries < 0) diag.fail([...where, 'retries'], `invalid retries ${hc.retries} (0 or more)`);
    out.retries = hc.retries;
  }
  return out;
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function restartPolicy(text: string, where: KeyPath, diag: Diagnostics): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text);
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    diag.fail(where, `unknown restart policy ${quote(text)} (no, always, on-failure[:N], unless-stopped)`);
  }
  const policy: RestartPolicy = { name: m[1] as RestartPolicy['name'] };
  if (m[2] !== undefined) policy.maximumRetryCount = Number(m[2]);
  return policy;
}

function replicas(name: string, raw: ComposeService, diag: Diagnostics): number {
  const fromDeploy = raw.deploy?.replicas;
  if (fromDeploy !== undefined && raw.scale !== undefined && fromDeploy !== raw.scale) {
    diag.fail(['services', name, 'scale'], `${raw.scale} conflicts with deploy.replicas ${fromDeploy}`);
  }
  const n = fromDeploy ?? raw.scale ?? 1;
  if (n < 0) diag.fail(['services', name, fromDeploy !== undefined ? 'deploy' : 'scale'], `invalid replicas ${n} (0 or more)`);
  return n;
}

function resources(name: string, raw: ComposeService, diag: Diagnostics): Resources {
  const limits = raw.deploy?.resources?.limits ?? {};
  const out: Resources = {};
  /** One limit that two keys can set (deploy.resources.limits.X and the service-level key). */
  const pick = <T>(deployKey: string, deployValue: T | undefined, key: string, value: T | undefined): [KeyPath, T] | undefined => {
    if (deployValue !== undefined && value !== undefined && String(deployValue) !== String(value)) {
      diag.fail(['services', name, key], `${quote(value)} conflicts with deploy.resources.limits.${deployKey} ${quote(deployValue)}`);
    }
    if (deployValue !== undefined) return [['services', name, 'deploy', 'resources', 'limits', deployKey], deployValue];
    return value === undefined ? undefined : [['services', name, key], value];
  };
  const memory = pick('memory', limits.memory, 'mem_limit', raw.mem_limit);
  if (memory) out.memory = at(diag, memory[0], () => parseSize(memory[1]));
  const cpus = pick('cpus', limits.cpus, 'cpus', raw.cpus);
  if (cpus) out.nanoCpus = at(diag, cpus[0], () => parseCpus(cpus[1]));
  const pids = pick('pids', limits.pids, 'pids_limit', raw.pids_limit);
  if (pids) out.pidsLimit = pids[1];
  if (raw.memswap_limit !== undefined) {
    const swap = raw.memswap_limit;
    out.memorySwap = at(diag, ['services', name, 'memswap_limit'], () => parseSize(swap, true));
  }
  if (raw.cpu_shares !== undefined) out.cpuShares = raw.cpu_shares;
  return out;
}
