/**
 * The snapshotter contract (after containerd's core/snapshots/snapshotter.go).
 *
 * Vocabulary:
 * - A **committed** snapshot is a read-only directory tree. In Pure these are the unpacked image layers,
 *   `<PURE_ROOT>/layers/<chainid>/`, written by the image module in overlayfs format (a whiteout is a
 *   character device 0:0, an opaque directory carries the xattr `trusted.overlay.opaque=y`).
 * - An **active** snapshot is a writable tree made over an ordered list of committed **parents** (lowest
 *   first, i.e. the image's base layer first). Writes land in the active snapshot only, never in a parent.
 * - A **key** names an active snapshot. It lives in `<root>/<key>/` — `upper/`, `work/` and the mount point
 *   `rootfs/` — which is the `containers/<id>/` layout of DESIGN.md when root is `<PURE_ROOT>/containers`.
 *   The caller may keep its own files in `<root>/<key>/` (bundle, logs); only `remove` deletes them.
 *
 * Run a container:
 *   1. `prepare(id, layerDirs)` makes the active snapshot and mounts it; it returns the rootfs path for runc.
 *   2. the container runs; `usage(id)` reports what it wrote.
 *   3. `unmount(id)` when it stops (the writes are kept), `mount(id, layerDirs)` again to restart it,
 *      `remove(id)` when the container is deleted.
 * After a daemon restart, `list()` gives the keys on disk and `isMounted(key)` tells whether the host
 * rebooted under them, so a reconciler can remount or remove each one.
 *
 * Every operation is idempotent and safe on a key that does not exist (except `usage`, which is NotFound),
 * so lifecycle cleanup hooks may call them whether or not their setup ran.
 */
import { InvalidArgument } from '../../errors/index.js';

export type SnapshotterKind = 'overlay' | 'copy';

export interface PrepareOptions {
  /** Abort a long copy; the partial snapshot is cleaned by the next prepare/remove of the key. */
  signal?: AbortSignal;
}

export interface Usage {
  /** Bytes allocated on disk (st_blocks × 512, each hard-linked inode once), like `du -s`. */
  bytes: number;
  /** Inodes, each hard-linked inode once, like `du -s --inodes`. */
  inodes: number;
}

export interface Snapshotter {
  readonly name: SnapshotterKind;
  /** Make the active (writable) snapshot `key` over the committed layer dirs `parents` (lowest first) and
   *  mount it; returns the rootfs path. Idempotent: preparing an existing key remounts it if needed. */
  prepare(key: string, parents: readonly string[], opts?: PrepareOptions): Promise<string>;
  /** Is the snapshot's rootfs mounted right now? (used when the daemon restarts) */
  isMounted(key: string): Promise<boolean>;
  /** Mount an existing snapshot again (after a host reboot); no-op if mounted. */
  mount(key: string, parents: readonly string[]): Promise<string>;
  /** Unmount; idempotent; safe if never mounted. */
  unmount(key: string): Promise<void>;
  /** Unmount and delete everything of the snapshot (frees the disk); idempotent; safe if it never existed. */
  remove(key: string): Promise<void>;
  /** Bytes and inodes used by the snapshot's own writable layer. NotFound for an unknown key. */
  usage(key: string): Promise<Usage>;
  /** Keys present on disk (for reconciliation after a crash), sorted. */
  list(): Promise<string[]>;
  /** Where the key's root filesystem is (or will be) mounted: `<root>/<key>/rootfs`. */
  rootfs(key: string): string;
}

const KEY = /^[a-zA-Z0-9_.-]{1,128}$/;

/** Keys become path components under root: no slashes, and never `.` or `..` (remove deletes `<root>/<key>`). */
export function validateKey(key: string): void {
  if (!KEY.test(key) || key === '.' || key === '..') {
    throw new InvalidArgument(`invalid snapshot key "${key}": want 1-128 of [a-zA-Z0-9_.-], not "." or ".."`);
  }
}
