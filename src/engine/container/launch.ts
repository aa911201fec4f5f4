/**
 * The start hook up to a created runtime container: rootfs mounted, /etc files written, networks joined, the
 * OCI spec written to the bundle, conmon running `runc create`. The caller then runs `runc start` and records
 * the new state; on failure it undoes what this made (ContainerService.#start).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEtcFiles } from './etc-files.js';
import { specInputFor } from './process-spec.js';
import type { ContainerRecord } from './record.js';
import type { ImagePort, MonitorPort, NetworkPort, SnapshotPort, SpecPort, VolumePort } from './ports.js';

export interface LaunchDeps {
  images: ImagePort;
  snapshotter: SnapshotPort;
  spec: SpecPort;
  monitor: MonitorPort;
  network?: NetworkPort;
  volumes?: VolumePort;
  resolvConf?: string;
}

export async function launchContainer(
  o: LaunchDeps,
  rec: ContainerRecord,
  paths: { dir: string; logPath: string; cgroupsPath: string },
): Promise<{ pid: number; conmonPid: number }> {
  const { id } = rec;
  const c = rec.config;
  const image = o.images.get(rec.imageId);
  const rootfs = (await o.snapshotter.isMounted(id)) ? o.snapshotter.rootfs(id) : await o.snapshotter.mount(id, o.images.layerDirs(image));
  const bundle = join(paths.dir, 'bundle');
  // independent of each other: the /etc files, the user's ids from the image, the bundle dir, the old exit file
  const [etcFiles, user] = await Promise.all([
    writeEtcFiles(paths.dir, rec, o.resolvConf ?? '/etc/resolv.conf'),
    o.spec.resolveUser(rootfs, c.user ?? ''),
    mkdir(bundle, { recursive: true, mode: 0o700 }),
    o.monitor.clearExit(id),
  ]);
  const net = await o.network?.attach({
    id,
    name: rec.name,
    hostname: c.hostname ?? id.slice(0, 12),
    config: c,
    exposedPorts: Object.keys(image.config.ExposedPorts ?? {}),
    etcFiles,
  });
  const spec = o.spec.build(
    specInputFor(rec, {
      rootfs,
      user,
      etcFiles,
      netnsPath: net?.netnsPath,
      volumeBinds: o.volumes?.binds(c.volumes ?? []) ?? [],
      cgroupsPath: paths.cgroupsPath,
    }),
  );
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  return o.monitor.create({ id, bundle, logPath: paths.logPath, terminal: c.tty ?? false, stdin: c.openStdin ?? false });
}
