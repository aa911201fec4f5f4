/**
 * Reading files of an image's root filesystem from the host, safely. The rootfs is untrusted: /etc/passwd may
 * be a symlink to /etc/shadow of the HOST, "../../../", a FIFO that blocks the daemon forever, or a device.
 * So we never let the kernel follow a symlink for us: each path component is resolved by hand, an absolute
 * symlink target restarts at the rootfs (not the host's /), ".." stops at the rootfs, and after opening we
 * check through /proc/self/fd that the file really is under the rootfs (a concurrent rename cannot move us
 * out between the check and the open).
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { lstat, open, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '../../../errors/index.js';

/** Linux's own limit on symlinks followed in one lookup. */
const MAX_SYMLINKS = 40;
/** Larger "config" files than this in an image are hostile or broken; do not read them into memory. */
const MAX_READ = 16 * 1024 * 1024;

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Resolve `path` (interpreted inside the container) to a host path under `rootfs`, following symlinks as the
 * container would see them. Returns null when a component is missing or symlinks loop.
 */
export async function resolveInRoot(rootfs: string, path: string): Promise<string | null> {
  const root = await realpath(rootfs);
  let pending = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending[0] as string;
    pending = pending.slice(1);
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = join(root, ...done, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(candidate)).isSymbolicLink();
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINKS) return null;
    const target = await readlink(candidate);
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
  }
  return join(root, ...done);
}

/**
 * Open a regular file of the rootfs for reading. Returns null if it does not exist, or is not a regular file
 * (a directory, FIFO, socket or device is treated as absent). The caller closes the handle.
 */
export async function openInRoot(rootfs: string, path: string): Promise<FileHandle | null> {
  const hostPath = await resolveInRoot(rootfs, path);
  if (hostPath === null) return null;
  let before;
  try {
    before = await lstat(hostPath);
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  if (!before.isFile()) return null;
  let fh: FileHandle;
  try {
    // O_NOFOLLOW: the last component was swapped for a symlink since lstat; O_NONBLOCK: ... or for a FIFO.
    fh = await open(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (isMissing(e) || code === 'ELOOP') return null;
    throw e;
  }
  try {
    const st = await fh.stat();
    const real = await readlink(`/proc/self/fd/${fh.fd}`);
    const root = await realpath(rootfs);
    const inside = real === root || real.startsWith(root.endsWith('/') ? root : `${root}/`);
    if (!st.isFile() || st.ino !== before.ino || st.dev !== before.dev || !inside) {
      await fh.close();
      return null;
    }
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Read a regular file of the rootfs (see openInRoot); null when absent or not a regular file. */
export async function readFileInRoot(rootfs: string, path: string): Promise<Buffer | null> {
  const fh = await openInRoot(rootfs, path);
  if (fh === null) return null;
  try {
    const { size } = await fh.stat();
    if (size > MAX_READ) throw new InvalidArgument(`cannot read ${path} in the image: ${size} bytes is more than ${MAX_READ}`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
