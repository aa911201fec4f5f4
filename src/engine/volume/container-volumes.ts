/**
 * What a container needs from volumes, as the container service's VolumePort asks for it:
 *
 *   attach    at create: every volume the request names (created when missing, as docker's -v NAME:/path),
 *             a new anonymous volume for each `-v /path` and for each image VOLUME path nothing else mounts.
 *             All input is checked before anything is made, so bad input leaves nothing behind.
 *   populate  after the rootfs exists: copy-up into volumes that are still empty.
 *   binds     at start: each volume as a bind mount of its _data directory.
 *   release   after the record is gone (rm -v, run --rm, an undone create): remove the given volumes that no
 *             container uses any more.
 */
import { isAbsolute, posix } from 'node:path';
import { InvalidArgument, NotFound } from '../../errors/index.js';
import type { BindMount, ContainerCreateRequest, ImageConfig, VolumeMount } from '../../api/types.js';
import { newVolumeName, validateVolumeName } from './names.js';
import { copyUp } from './copy-up.js';
import type { VolumeService } from './volume-service.js';

export interface AttachResult {
  /** The request's volumes plus the image's, every one with its source (volume name) set. */
  volumes: VolumeMount[];
  /** Volumes this call made (named ones that did not exist, and every anonymous one): the undo list. */
  created: string[];
}

function destinationOf(path: string, what: string): string {
  if (!isAbsolute(path)) throw new InvalidArgument(`invalid ${what} "${path}": the container path must be absolute`);
  const d = posix.normalize(path).replace(/(.)\/+$/, '$1');
  if (d === '/') throw new InvalidArgument(`invalid ${what} "${path}": the container path cannot be "/"`);
  return d;
}

export function attachVolumes(svc: VolumeService, req: ContainerCreateRequest, image: ImageConfig): AttachResult {
  const taken = new Set<string>();
  const claim = (path: string, what: string): string => {
    const d = destinationOf(path, what);
    if (taken.has(d)) throw new InvalidArgument(`duplicate mount point "${d}"`);
    taken.add(d);
    return d;
  };
  for (const b of req.binds ?? []) claim(b.destination, 'bind mount');
  for (const t of Object.keys(req.tmpfs ?? {})) claim(t, '--tmpfs');
  const plan: VolumeMount[] = [];
  for (const v of req.volumes ?? []) {
    const destination = claim(v.destination, 'volume mount');
    if (v.source !== undefined) validateVolumeName(v.source);
    if (v.source !== undefined && v.mustExist && !svc.repo.get(v.source)) {
      throw new NotFound(`no such volume: "${v.source}" (--mount does not create volumes: use pure volume create, or -v)`);
    }
    const { mustExist: _, ...mount } = v;
    plan.push({ ...mount, destination });
  }
  for (const path of Object.keys(image.Volumes ?? {})) {
    let d: string;
    try {
      d = destinationOf(path, 'image VOLUME');
    } catch {
      continue; // an image with a bad VOLUME entry still runs, as docker's
    }
    if (taken.has(d)) continue; // the user mounted something there: it replaces the image's volume
    taken.add(d);
    plan.push({ destination: d, readOnly: false });
  }
  const created: string[] = [];
  try {
    const volumes = plan.map((v): VolumeMount => {
      let name = v.source;
      if (name === undefined) {
        name = newVolumeName();
        svc.make(name, { labels: {}, anonymous: true });
        created.push(name);
      } else if (!svc.repo.get(name)) {
        svc.make(name, { labels: {}, anonymous: false });
        created.push(name);
      }
      return { ...v, source: name };
    });
    return { volumes, created };
  } catch (e) {
    for (const name of created) svc.forget(name);
    throw e;
  }
}

export async function populateVolumes(svc: VolumeService, volumes: readonly VolumeMount[], rootfs: string): Promise<void> {
  for (const v of volumes) {
    if (v.noCopy || v.source === undefined) continue;
    await copyUp(rootfs, v.destination, svc.dir(v.source));
  }
}

export function volumeBinds(svc: VolumeService, volumes: readonly VolumeMount[]): BindMount[] {
  return volumes.map((v) => {
    const name = v.source ?? '';
    svc.get(name); // NotFound names the volume if it vanished from under a stopped container
    return { source: svc.dataDir(name), destination: v.destination, readOnly: v.readOnly };
  });
}

export async function releaseVolumes(svc: VolumeService, names: readonly string[], opts: { anonymousOnly: boolean }): Promise<void> {
  for (const name of names) {
    const row = svc.repo.get(name);
    if (!row || (opts.anonymousOnly && !row.anonymous)) continue;
    await svc.remove(name).catch(() => undefined); // still in use by another container: it stays, as docker's
  }
}
