/**
 * Copying what a job left in its /work out to a host dir the daemon owns (a prepared workspace, the student's
 * files for a grader). The tree was written by untrusted code, so, like collectFile: call it only once every
 * process of the sandbox is dead, never follow a symlink (lstat every entry, open with O_NOFOLLOW), never
 * open a FIFO or device (O_NONBLOCK, then fstat must say regular file), and stop at a byte and entry budget.
 * Symlinks and special files are skipped and named in `skipped`; the copies belong to root, world-readable
 * (the sandbox that reads them runs as an unmapped-to-root uid and only ever sees them read-only).
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Internal } from '../errors/index.js';

export interface TreeCopyLimits {
  /** Bytes copied at most (over all files). */
  maxBytes: number;
  /** Files and directories at most. */
  maxEntries: number;
  /** Directory depth at most. Default 64. */
  maxDepth?: number;
}

export interface TreeCopyReport {
  files: number;
  bytes: number;
  /** Relative paths not copied: symbolic links, FIFOs, sockets, devices. */
  skipped: string[];
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Copy the tree at `src` (a real directory, not a link) to `dest` (created, must not exist). */
export async function copyTreeNoFollow(src: string, dest: string, limits: TreeCopyLimits): Promise<TreeCopyReport> {
  const top = await lstat(src);
  if (!top.isDirectory()) throw new Internal(`cannot copy ${src}: not a directory`);
  const report: TreeCopyReport = { files: 0, bytes: 0, skipped: [] };
  let entries = 0;
  const walk = async (from: string, to: string, rel: string, depth: number): Promise<void> => {
    await mkdir(to, { mode: 0o755 });
    for (const name of (await readdir(from)).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (++entries > limits.maxEntries) throw new Internal(`workspace has more than ${limits.maxEntries} entries`);
      const st = await lstat(join(from, name));
      if (st.isDirectory()) {
        if (depth >= (limits.maxDepth ?? 64)) throw new Internal(`workspace is nested deeper than ${limits.maxDepth ?? 64} directories`);
        await walk(join(from, name), join(to, name), path, depth + 1);
      } else if (st.isFile()) {
        await copyOne(join(from, name), join(to, name), path);
      } else {
        report.skipped.push(path);
      }
    }
  };
  const copyOne = async (from: string, to: string, path: string): Promise<void> => {
    let fh;
    try {
      fh = await open(from, READ_FLAGS);
    } catch (e) {
      // ELOOP: a symlink appeared where lstat saw a file (nothing should run now, but never follow it)
      report.skipped.push(path);
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') return;
      throw e;
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        report.skipped.push(path);
        return;
      }
      if (report.bytes + st.size > limits.maxBytes) throw new Internal(`workspace is larger than ${limits.maxBytes} bytes`);
      const out = await open(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, st.mode & 0o111 ? 0o755 : 0o644);
      try {
        const buf = Buffer.alloc(Math.min(st.size, 1 << 16) || 1);
        let at = 0;
        while (at < st.size) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, st.size - at), at);
          if (bytesRead === 0) break;
          await out.write(buf, 0, bytesRead);
          at += bytesRead;
        }
        report.bytes += at;
        report.files++;
      } finally {
        await out.close();
      }
    } finally {
      await fh.close();
    }
  };
  await walk(src, dest, '', 0);
  return report;
}
