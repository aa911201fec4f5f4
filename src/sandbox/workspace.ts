/**
 * The sandbox's writable area: one tmpfs per sandbox, mounted on the host (so the daemon can copy files in
 * before the job and read results after it), bound into the sandbox at /work and /tmp. Its size and inode
 * count are the job's disk limit; unmounting it frees everything the job wrote without walking it.
 *
 * Reading results is where graders were escaped: the job may plant a symlink to /etc/shadow, a FIFO that
 * blocks the reader forever, or a 10 GB sparse file. So collectFile is only called once every process of the
 * sandbox is dead (nothing can swap a path between our checks), never follows a symlink in any component,
 * opens with O_NOFOLLOW|O_NONBLOCK, refuses anything but a regular file, and reads at most N bytes.
 */
import { constants } from 'node:fs';
import { chown, copyFile, lstat, mkdir, open, statfs, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { MS_NODEV, MS_NOSUID, mountFs } from '../lib/index.js';
import { InvalidArgument } from '../errors/index.js';
import { TMP_DIR, WORK_DIR } from './sandbox-spec.js';
import type { CollectedFile, JobFile } from './types.js';

export interface TmpfsOptions {
  sizeBytes: number;
  inodes: number;
  /** Host uid (and gid) that owns /work and /tmp: the job's user seen from the host (hostJobUid). */
  owner: number;
}

/** Mount the sandbox's tmpfs at `dir` and make /work and /tmp in it, owned by the job's host uid. */
export async function mountWorkspace(dir: string, o: TmpfsOptions): Promise<{ work: string; tmp: string }> {
  await mkdir(dir, { recursive: true, mode: 0o711 });
  // nosuid and nodev are mount flags (the `mount` program translates them; mount(2) takes them apart)
  mountFs('tmpfs', 'pure-sandbox', dir, `size=${o.sizeBytes},nr_inodes=${o.inodes},mode=0711`, MS_NOSUID | MS_NODEV);
  const work = join(dir, 'work');
  const tmp = join(dir, 'tmp');
  await mkdir(work, { mode: 0o755 });
  await mkdir(tmp, { mode: 0o1777 });
  await chmod(tmp, 0o1777);
  await chown(work, o.owner, o.owner);
  await chown(tmp, o.owner, o.owner);
  return { work, tmp };
}

/** Map a job path (relative to /work, or absolute under /work or /tmp) to its host path in the tmpfs. */
export function hostPathOf(tmpfsDir: string, path: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new InvalidArgument(`invalid file path ${JSON.stringify(path)}`);
  const abs = posix.normalize(path.startsWith('/') ? path : `${WORK_DIR}/${path}`);
  if (path.split('/').includes('..')) throw new InvalidArgument(`invalid file path ${JSON.stringify(path)}: must not contain ".."`);
  for (const [inside, sub] of [[WORK_DIR, 'work'], [TMP_DIR, 'tmp']] as const) {
    if (abs.startsWith(`${inside}/`) && abs.length > inside.length + 1) return join(tmpfsDir, sub, abs.slice(inside.length + 1));
  }
  throw new InvalidArgument(`invalid file path ${JSON.stringify(path)}: files go under ${WORK_DIR} or ${TMP_DIR}`);
}

/**
 * Copy the job's files in. Runs before the job's first instruction in a tmpfs nothing else wrote to, so
 * plain mkdir/write are safe here. Files belong to the job's user (it may rewrite them, e.g. compile in place).
 */
export async function placeFiles(tmpfsDir: string, files: readonly JobFile[], owner: number): Promise<void> {
  for (const f of files) {
    const dest = hostPathOf(tmpfsDir, f.path);
    const mode = f.mode ?? (f.executable ? 0o755 : 0o644);
    await mkdirOwned(tmpfsDir, dirname(dest), owner);
    if (f.content !== undefined) await writeFile(dest, Buffer.from(f.content, 'base64'), { mode, flag: 'wx' });
    else if (f.hostPath !== undefined) await copyFile(f.hostPath, dest, constants.COPYFILE_EXCL);
    else throw new InvalidArgument(`invalid file ${JSON.stringify(f.path)}: give content or hostPath`);
    await chmod(dest, mode);
    await chown(dest, owner, owner);
  }
}

async function mkdirOwned(root: string, dir: string, owner: number): Promise<void> {
  const rel = dir.slice(root.length + 1).split('/');
  let cur = root;
  for (const part of rel) {
    cur = join(cur, part);
    const made = await mkdir(cur, { mode: 0o755 }).then(() => true, (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw e;
    });
    if (made) await chown(cur, owner, owner);
  }
}

/** Read one result file without following anything the job planted. Call only once the sandbox is dead. */
export async function collectFile(tmpfsDir: string, path: string, maxBytes: number): Promise<CollectedFile> {
  let host: string;
  try {
    host = hostPathOf(tmpfsDir, path);
  } catch (e) {
    return { path, error: (e as Error).message };
  }
  // every component below the tmpfs root, including the last, must not be a symlink
  const rel = host.slice(tmpfsDir.length + 1).split('/');
  let cur = tmpfsDir;
  for (let i = 0; i < rel.length; i++) {
    cur = join(cur, rel[i] as string);
    const st = await lstat(cur).catch(() => null);
    if (!st) return { path, error: 'no such file' };
    if (st.isSymbolicLink()) return { path, error: 'refused: a symbolic link' };
    if (i < rel.length - 1 && !st.isDirectory()) return { path, error: 'no such file' };
  }
  let fh;
  try {
    fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return { path, error: `cannot open: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { path, error: 'refused: not a regular file' };
    const want = Math.min(st.size, maxBytes);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(buf, got, want - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { path, content: buf.subarray(0, got).toString('base64'), size: st.size, truncated: st.size > got };
  } finally {
    await fh.close();
  }
}

/** Is the tmpfs full (no blocks or no inodes left)? The verdict for a job that failed while writing. */
export async function isWorkspaceFull(tmpfsDir: string): Promise<boolean> {
  const s = await statfs(tmpfsDir).catch(() => null);
  if (!s) return false;
  // tmpfs keeps no reserve: "full" is less than one page free, or no inode left
  return s.bavail * s.bsize < 8192 || s.ffree < 2;
}
