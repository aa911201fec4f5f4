/**
 * `pure config`: the normalised project printed as a compose file (compose-spec shape, long syntax
 * everywhere, env_file already merged into environment, paths absolute, durations as Go durations). Loading the
 * output again gives an equal project (warnings aside): every `$` is written as `$$` so that interpolation
 * gives it back, and every network and volume carries its engine name.
 */
import { stringify } from 'yaml';
import type { StackMount, StackProject, StackService } from '../types.js';
import { formatDuration } from './syntax.js';

type Tree = Record<string, unknown>;

/** Drop undefined fields and empty mappings/lists that mean the default, so the output stays short. */
function compact(tree: Tree): Tree {
  const isEmpty = (v: unknown): boolean => typeof v === 'object' && v !== null && Object.keys(v).length === 0;
  // `entrypoint: []` clears the image's entrypoint: an empty command is a value, not a default
  return Object.fromEntries(Object.entries(tree).filter(([k, v]) => v !== undefined && (k === 'entrypoint' || k === 'command' || !isEmpty(v))));
}

function mount(m: StackMount): Tree {
  if (m.type === 'tmpfs') {
    const options = Object.fromEntries(m.options.split(',').filter((o) => o !== '').map((o) => o.split('=') as [string, string]));
    return compact({ type: 'tmpfs', target: m.target, tmpfs: compact({ size: options.size, mode: options.mode }) });
  }
  if (m.type === 'bind') {
    return { type: 'bind', source: m.source, target: m.target, read_only: m.readOnly, bind: { create_host_path: m.createHostPath } };
  }
  return compact({ type: 'volume', source: m.source, target: m.target, read_only: m.readOnly, volume: { nocopy: m.noCopy } });
}

function service(s: StackService): Tree {
  const health = s.healthcheck;
  const duration = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : formatDuration(ms));
  const limits = compact({
    cpus: s.resources.nanoCpus === undefined ? undefined : String(s.resources.nanoCpus / 1e9),
    memory: s.resources.memory,
    pids: s.resources.pidsLimit,
  });
  return compact({
    image: s.image,
    entrypoint: s.entrypoint,
    command: s.command,
    environment: s.environment,
    ports: s.ports.map((p) => compact({ target: p.containerPort, published: p.hostPort === undefined ? undefined : String(p.hostPort), host_ip: p.hostIp, protocol: p.protocol })),
    expose: s.expose,
    volumes: s.mounts.map(mount),
    tmpfs: Object.entries(s.tmpfs).map(([target, options]) => (options === '' ? target : `${target}:${options}`)),
    network_mode: s.networkMode,
    networks: s.networkMode ? undefined : Object.fromEntries(Object.entries(s.networks).map(([key, n]) => [key, compact({ aliases: n.aliases, ipv4_address: n.ipv4Address })])),
    depends_on: Object.fromEntries(Object.entries(s.dependsOn).map(([key, d]) => [key, { condition: d.condition, required: d.required, restart: d.restart }])),
    healthcheck: health && compact({ test: health.test, interval: duration(health.intervalMs), timeout: duration(health.timeoutMs), start_period: duration(health.startPeriodMs), retries: health.retries }),
    restart: s.restart && (s.restart.maximumRetryCount === undefined ? s.restart.name : `${s.restart.name}:${s.restart.maximumRetryCount}`),
    deploy: compact({ replicas: s.replicas, resources: compact({ limits }) }),
    memswap_limit: s.resources.memorySwap,
    cpu_shares: s.resources.cpuShares,
    labels: s.labels,
    init: s.init,
    read_only: s.readOnly,
    user: s.user,
    working_dir: s.workingDir,
    hostname: s.hostname,
    stop_signal: s.stopSignal,
    stop_grace_period: s.stopGracePeriodS === undefined ? undefined : formatDuration(Math.round(s.stopGracePeriodS * 1000)),
    profiles: s.profiles,
  });
}

/** Every string with `$` doubled, so that interpolating the output gives the value back. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  return value;
}

export function renderConfig(project: StackProject): string {
  const tree = compact({
    name: project.name,
    services: Object.fromEntries(Object.entries(project.services).map(([key, s]) => [key, service(s)])),
    networks: Object.fromEntries(
      Object.entries(project.networks).map(([key, n]) => [
        key,
        compact({ name: n.name, external: n.external || undefined, internal: n.internal || undefined, ipam: n.subnet === undefined ? undefined : { config: [{ subnet: n.subnet }] }, labels: n.labels }),
      ]),
    ),
    volumes: Object.fromEntries(Object.entries(project.volumes).map(([key, v]) => [key, compact({ name: v.name, external: v.external || undefined, labels: v.labels })])),
  });
  return stringify(escapeDollars(tree), { lineWidth: 0 });
}
