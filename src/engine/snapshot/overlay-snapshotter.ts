/**
 * The overlay snapshotter: an active snapshot is an overlayfs mount of the layer dirs (read-only lowers)
 * under the snapshot's own `upper/` (every write, whiteout and copy-up) with `work/` as overlayfs' scratch.
 * Layers are shared by every container of an image and never written.
 */
import { mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyLock, mountFs, run } from '../../lib/index.js';
import { NotFound } from '../../errors/index.js';
import type { PrepareOptions, Snapshotter, Usage } from './snapshotter.js';
import { validateKey } from './snapshotter.js';
import { checkParents, exists } from './layer-dirs.js';
import { isMountPoint, unmountAll, unmountTree } from './mounts.js';
import { planOverlayMount } from './overlay-options.js';
import { diskUsage } from './disk-usage.js';

export class OverlaySnapshotter implements Snapshotter {
  readonly name = 'overlay';
  readonly #root: string;
  readonly #lock = new KeyLock();

  constructor(opts: { root: string }) {
    this.#root = opts.root;
  }

  rootfs(key: string): string {
    validateKey(key);
    return join(this.#root, key, 'rootfs');
  }

  async prepare(key: string, parents: readonly string[], opts: PrepareOptions = {}): Promise<string> {
    const rootfs = this.rootfs(key);
    await checkParents(parents, { forOverlay: true });
    return this.#lock.with(key, async () => {
      opts.signal?.throwIfAborted();
      const dir = join(this.#root, key);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      // mkdir answers undefined for a dir that was already there: a rootfs made just now is not mounted
      const made = await Promise.all(['upper', 'work', 'rootfs'].map((sub) => mkdir(join(dir, sub), { recursive: true, mode: 0o755 })));
      if (made[2] !== undefined || !(await isMountPoint(rootfs))) await this.#mountOverlay(dir, parents);
      return rootfs;
    });
  }

  async mount(key: string, parents: readonly string[]): Promise<string> {
    const rootfs = this.rootfs(key);
    await checkParents(parents, { forOverlay: true });
    return this.#lock.with(key, async () => {
      const dir = join(this.#root, key);
      if (!(await exists(join(dir, 'upper')))) throw new NotFound(`no such snapshot: "${key}"`);
      // A reboot keeps upper/ and work/ but may have lost the (empty) mount point with a tmpfs root.
      await mkdir(join(dir, 'work'), { recursive: true });
      await mkdir(rootfs, { recursive: true });
      if (!(await isMountPoint(rootfs))) await this.#mountOverlay(dir, parents);
      return rootfs;
    });
  }

  async #mountOverlay(dir: string, parents: readonly string[]): Promise<void> {
    let lowers = parents;
    if (lowers.length === 0) {
      // overlayfs needs at least one lower layer; a snapshot of no layers is an empty one.
      const empty = join(dir, 'empty');
      await mkdir(empty, { recursive: true });
      lowers = [empty];
    }
    const linkDir = join(dir, 'links');
    const plan = planOverlayMount({ lowers, upper: join(dir, 'upper'), work: join(dir, 'work'), linkDir });
    if (plan.links) {
      await rm(linkDir, { recursive: true, force: true });
      await mkdir(linkDir);
      for (const [name, target] of plan.links) await symlink(target, join(linkDir, name));
    }
    const rootfs = join(dir, 'rootfs');
    // Relative lowerdirs resolve against the mounting process's cwd: a `mount` process run there, rather
    // than changing the daemon's own cwd. Only images too deep for absolute paths take this slower way.
    if (plan.cwd === undefined) mountFs('overlay', 'overlay', rootfs, plan.options);
    else await run('mount', ['-t', 'overlay', 'overlay', '-o', plan.options, rootfs], { cwd: plan.cwd });
  }

  async isMounted(key: string): Promise<boolean> {
    return isMountPoint(this.rootfs(key));
  }

  async unmount(key: string): Promise<void> {
    const rootfs = this.rootfs(key);
    await this.#lock.with(key, () => unmountAll(rootfs));
  }

  async remove(key: string): Promise<void> {
    validateKey(key);
    const dir = join(this.#root, key);
    await this.#lock.with(key, async () => {
      // Never recurse into a mounted rootfs: rm would walk the merged view (and through it, nothing we own).
      await unmountTree(dir);
      await rm(dir, { recursive: true, force: true });
    });
  }

  async usage(key: string): Promise<Usage> {
    validateKey(key);
    const upper = join(this.#root, key, 'upper');
    if (!(await exists(upper))) throw new NotFound(`no such snapshot: "${key}"`);
    return diskUsage(upper);
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.#root, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    const keys: string[] = [];
    for (const e of entries) {
      if (e.isDirectory() && (await exists(join(this.#root, e.name, 'upper')))) keys.push(e.name);
    }
    return keys.sort();
  }
}
