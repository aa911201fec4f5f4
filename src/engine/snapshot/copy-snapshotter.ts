/**
 * The copy snapshotter, for hosts where overlayfs cannot mount on the root's filesystem (overlay on
 * overlay, some network filesystems, old kernels): an active snapshot is a private copy of its layers,
 * merged lowest first into `<root>/<key>/rootfs/`. It costs disk and time per container; in exchange it
 * needs nothing from the kernel. runc takes the plain directory as is, so nothing is mounted: a snapshot
 * counts as "mounted" whenever its copy is complete, and unmount is a no-op.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyLock } from '../../lib/index.js';
import { NotFound } from '../../errors/index.js';
import type { PrepareOptions, Snapshotter, Usage } from './snapshotter.js';
import { validateKey } from './snapshotter.js';
import { checkParents, exists } from './layer-dirs.js';
import { unmountTree } from './mounts.js';
import { applyLayer } from './copy-layer.js';
import { diskUsage } from './disk-usage.js';

/** The copy is built here and renamed to rootfs/ when complete, so a crash never leaves a half rootfs. */
const PARTIAL = '.rootfs-partial';

export class CopySnapshotter implements Snapshotter {
  readonly name = 'copy';
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
    await checkParents(parents);
    return this.#lock.with(key, async () => {
      if (await exists(rootfs)) return rootfs;
      const partial = join(this.#root, key, PARTIAL);
      // A leftover from a crash or an abort: start over, the layers are unchanged.
      await rm(partial, { recursive: true, force: true });
      await mkdir(partial, { recursive: true, mode: 0o755 });
      try {
        for (const layer of parents) {
          opts.signal?.throwIfAborted();
          await applyLayer(layer, partial, opts.signal);
        }
        await rename(partial, rootfs);
      } catch (e) {
        await rm(partial, { recursive: true, force: true });
        throw e;
      }
      return rootfs;
    });
  }

  async mount(key: string, parents: readonly string[]): Promise<string> {
    const rootfs = this.rootfs(key);
    await checkParents(parents);
    if (!(await exists(rootfs))) throw new NotFound(`no such snapshot: "${key}"`);
    return rootfs;
  }

  async isMounted(key: string): Promise<boolean> {
    return exists(this.rootfs(key));
  }

  unmount(key: string): Promise<void> {
    // Nothing to unmount: the copy is a plain directory. Still reject a bad key, as a rejected promise.
    return new Promise((resolve) => {
      validateKey(key);
      resolve();
    });
  }

  async remove(key: string): Promise<void> {
    validateKey(key);
    const dir = join(this.#root, key);
    await this.#lock.with(key, async () => {
      // Nothing of ours is mounted here, but a caller's leftover bind mount must not be recursed into.
      await unmountTree(dir);
      await rm(dir, { recursive: true, force: true });
    });
  }

  async usage(key: string): Promise<Usage> {
    const rootfs = this.rootfs(key);
    if (!(await exists(rootfs))) throw new NotFound(`no such snapshot: "${key}"`);
    return diskUsage(rootfs);
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.#root, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    const keys: string[] = [];
    for (const e of entries) {
      const dir = join(this.#root, e.name);
      if (e.isDirectory() && ((await exists(join(dir, 'rootfs'))) || (await exists(join(dir, PARTIAL))))) {
        keys.push(e.name);
      }
    }
    return keys.sort();
  }
}
