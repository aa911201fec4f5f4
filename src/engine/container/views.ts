/** How a container record reads from outside: the list row and the inspect document of API v1. */
import type { ContainerInspect, ContainerSummary } from '../../api/types.js';
import type { ContainerRecord } from './record.js';

export function toSummary(r: ContainerRecord): ContainerSummary {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    imageId: r.imageId,
    command: [...r.config.entrypoint, ...r.config.cmd].join(' '),
    created: r.created,
    state: r.status,
    exitCode: r.exitCode,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    labels: r.config.labels ?? {},
    // as docker ps: the health of a running container only
    ...(r.status === 'running' && r.config.healthcheck ? { health: r.health?.status ?? 'starting' } : {}),
  };
}

export function toInspect(r: ContainerRecord, paths: { rootfs: string; logPath: string }): ContainerInspect {
  const argv = [...r.config.entrypoint, ...r.config.cmd];
  return {
    id: r.id,
    name: r.name,
    created: r.created,
    image: r.image,
    imageId: r.imageId,
    path: argv[0] ?? '',
    args: argv.slice(1),
    state: {
      status: r.status,
      running: r.status === 'running' || r.status === 'paused',
      paused: r.status === 'paused',
      restarting: r.status === 'restarting',
      oomKilled: r.oomKilled,
      pid: r.pid,
      exitCode: r.exitCode,
      error: r.error,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      // kept after the container stops (the last probes say why it was unhealthy)
      ...(r.config.healthcheck && r.health ? { health: r.health } : {}),
    },
    restartCount: r.restartCount,
    config: r.config,
    runtime: r.runtime,
    snapshotter: r.snapshotter,
    rootfs: paths.rootfs,
    logPath: paths.logPath,
  };
}
