/**
 * One read-only root filesystem per image, shared by every sandbox of that image: an overlay over the image's
 * layers, mounted once by the engine's snapshotter and never written by a job (runc mounts it read-only in
 * each sandbox's own mount namespace). The mount points a sandbox needs (/work, /tmp, /.pure, a grader's /student) are made in it
 * once, here, because the sandbox's mapped root could not create them in a root-owned tree (and /etc/hosts and
 * /etc/resolv.conf as plain files, for a networked sandbox's own copies).
 */
import { mkdir, chmod, lstat, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshotter } from '../engine/snapshot/index.js';
import { CTL_DIR, STUDENT_DIR, TMP_DIR, WORK_DIR } from './sandbox-spec.js';

export interface SandboxImage {
  id: string;
  /** Unpacked layer dirs, lowest first. */
  layerDirs: string[];
}

export class RootfsCache {
  private readonly ready = new Map<string, Promise<string>>();

  constructor(private readonly snapshotter: Snapshotter) {}

  /** The mounted rootfs of `image`, preparing it on first use. */
  rootfs(image: SandboxImage): Promise<string> {
    const key = keyOf(image.id);
    let p = this.ready.get(key);
    if (!p) {
      p = this.prepare(key, image.layerDirs);
      this.ready.set(key, p);
      p.catch(() => this.ready.delete(key));
    }
    return p;
  }

  private async prepare(key: string, layers: string[]): Promise<string> {
    const rootfs = await this.snapshotter.prepare(key, layers);
    // the sandbox's mapped root walks these paths while runc sets up its mounts: traversable, not listable
    await chmod(join(rootfs, '..'), 0o711);
    for (const d of [WORK_DIR, TMP_DIR, CTL_DIR, STUDENT_DIR]) {
      const path = join(rootfs, d);
      const st = await lstat(path).catch(() => null);
      // a symlink here (an image's /tmp → /var/tmp) would make runc mount elsewhere: replace it with a dir
      if (st && !st.isDirectory()) await rm(path, { force: true });
      await mkdir(path, { recursive: true, mode: 0o755 });
    }
    // a networked sandbox binds its own /etc/hosts and /etc/resolv.conf over these: they must be plain files
    // (an image's resolv.conf → ../run/... symlink would point runc's bind elsewhere)
    await mkdir(join(rootfs, 'etc'), { recursive: true, mode: 0o755 });
    for (const f of ['etc/hosts', 'etc/resolv.conf']) {
      const path = join(rootfs, f);
      const st = await lstat(path).catch(() => null);
      if (st?.isFile()) continue;
      if (st) await rm(path, { recursive: true, force: true });
      await writeFile(path, '', { mode: 0o644 });
    }
    return rootfs;
  }

  /** Unmount and delete every image rootfs (daemon stop and start). */
  async clear(): Promise<void> {
    this.ready.clear();
    for (const key of await this.snapshotter.list()) await this.snapshotter.remove(key);
  }
}

function keyOf(imageId: string): string {
  return `img-${imageId.replace(/^sha256:/, '').slice(0, 32)}`;
}
