/** The storage routes' port: bootstrap, prune and df over the image, container and volume services. */
import { readFileSync } from 'node:fs';
import { InvalidArgument } from '../errors/index.js';
import { bootstrapBusybox, bootstrapDebian } from '../engine/bootstrap/index.js';
import { diskUsage } from '../engine/disk-usage/index.js';
import { pruneImages, type ImageService } from '../engine/image/index.js';
import type { ContainerService } from '../engine/container/index.js';
import type { VolumeService } from '../engine/volume/index.js';
import type { StorageApi } from '../api/index.js';

export interface StorageSources {
  root: string;
  images: ImageService;
  containers: ContainerService;
  volumes: VolumeService;
  /** Names of the containers that use a volume. */
  volumeUsers: (name: string) => string[];
}

export function storageApi(s: StorageSources): StorageApi {
  return {
    async bootstrap(source, o) {
      if (source === 'busybox') {
        const ref = o.ref ?? 'busybox:latest';
        o.onProgress({ status: 'bootstrap', message: `Copying the host's busybox into ${ref}` });
        const image = await bootstrapBusybox(s.images, ref, { signal: o.signal });
        return { id: image.id, ref };
      }
      if (/^debian:/.test(source)) {
        const ref = o.ref ?? source;
        const image = await bootstrapDebian(s.images, source, { include: o.include, mirror: o.mirror, signal: o.signal, onProgress: o.onProgress });
        if (ref !== source) s.images.tag(image.id, ref);
        return { id: image.id, ref };
      }
      throw new InvalidArgument(`cannot bootstrap "${source}": known sources are busybox and debian:<suite>`);
    },
    prune: ({ all }) => pruneImages(s.images, s.root, { all, usedBy: (id) => usersOfImage(s, id) }),
    df: () =>
      diskUsage({
        images: () => s.images.list(),
        containers: () => s.containers.list({ all: true }).map((c) => ({ id: c.id, imageId: c.imageId, running: c.state === 'running' || c.state === 'paused' })),
        containerDir: (id) => s.containers.dir(id),
        volumes: () => s.volumes.list().map((v) => ({ name: v.name, dataDir: v.mountpoint, inUse: s.volumeUsers(v.name).length > 0 })),
      }),
  };
}

/**
 * Containers of the image, and any other overlay stacking exactly its layer dirs: the sandbox's shared rootfs
 * mounts are not containers, yet deleting a lowerdir under them would break every job that runs on it.
 * (Container rootfs mounts are left to usersOfImage: another image with the same layers is not "used".)
 */
function usersOfImage(s: StorageSources, id: string): string[] {
  const users = s.containers.usersOfImage(id);
  if (users.length > 0) return users;
  const lower = `lowerdir=${[...s.images.layerDirs(s.images.get(id))].reverse().join(':')}`;
  const containersDir = `${s.root}/containers/`;
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => {
      const target = line.split(' ')[4] ?? '';
      const superOpts = line.split(' - ')[1]?.split(' ')[2] ?? '';
      return !target.startsWith(containersDir) && superOpts.split(',').includes(lower);
    });
  return mounted ? ['a mounted rootfs'] : [];
}
