/**
 * Apply one overlayfs-format layer onto a plain directory, as overlayfs would show it stacked on top:
 * - a whiteout (character device 0:0) deletes the path below and is not kept;
 * - an opaque directory (xattr trusted.overlay.opaque=y) hides everything below it from lower layers;
 * - a directory over a non-directory (or the reverse) replaces it; a file replaces what was there.
 *
 * `cp -a` does the copying (hard links, devices, owners, modes, times, xattrs such as
 * security.capability, reflinks where the filesystem has them). It is made safe first: a walk of the layer
 * removes from the destination every entry the layer replaces, so wherever the layer has a directory the
 * destination has a real directory or nothing, and wherever it has anything else the destination has
 * nothing. cp therefore never meets a destination symlink, and a layer symlink such as `etc -> /etc` is
 * copied as a symlink, never followed to write onto the host.
 */
import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/index.js';

const OPAQUE = 'trusted.overlay.opaque';

/** getfattr quotes file names with \ooo escapes and a doubled backslash. */
function unescapeGetfattr(name: string): string {
  return name.replace(/\\(\\|[0-7]{3})/g, (_, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e, 8))));
}

/** Relative paths ('.' for the layer root) of the layer's opaque directories, in one getfattr run. */
async function opaqueDirs(layer: string, signal?: AbortSignal): Promise<Set<string>> {
  // -P: never follow symlinks while recursing; -m: dump only the opaque attribute, so other files print nothing.
  const out = await run('getfattr', ['-R', '-P', '-d', '-m', `^${OPAQUE.replace(/\./g, '\\.')}$`, '.'], {
    cwd: layer,
    signal,
  });
  const found = new Set<string>();
  let file: string | undefined;
  for (const line of out.stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeGetfattr(line.slice('# file: '.length));
    else if (line === `${OPAQUE}="y"` && file !== undefined) found.add(file);
  }
  return found;
}

async function lstatOrNothing(path: string) {
  return lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

interface Walk {
  layer: string;
  dest: string;
  opaque: Set<string>;
  whiteouts: string[];
}

/** Clear the way in `dest` for the layer's entries under `rel`, recording whiteouts. */
async function clearWay(w: Walk, rel: string): Promise<void> {
  const entries = await readdir(join(w.layer, rel), { withFileTypes: true });
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const target = join(w.dest, path);
    const existing = await lstatOrNothing(target);
    if (entry.isDirectory()) {
      if (existing && !existing.isDirectory()) await unlink(target);
      else if (existing && w.opaque.has(path)) await emptyDir(target);
      await clearWay(w, path);
      continue;
    }
    if (entry.isCharacterDevice() && (await lstat(join(w.layer, path))).rdev === 0) w.whiteouts.push(path);
    if (existing) await rm(target, { recursive: true, force: true });
  }
}

/** Stack `layer` onto `dest` (a directory that holds the layers below it, already applied). */
export async function applyLayer(layer: string, dest: string, signal?: AbortSignal): Promise<void> {
  const w: Walk = { layer, dest, opaque: await opaqueDirs(layer, signal), whiteouts: [] };
  if (w.opaque.has('.')) await emptyDir(dest);
  await clearWay(w, '');
  signal?.throwIfAborted();
  // -T: copy the layer root onto dest itself (its mode and owner win, as the upper dir's do in overlayfs).
  await run('cp', ['-a', '--reflink=auto', '-T', layer, dest], { signal });
  for (const path of w.whiteouts) await unlink(join(dest, path));
  // The marker means nothing outside overlayfs; leaving it would mislead anyone who stacks this rootfs again.
  for (const path of w.opaque) {
    await run('setfattr', ['-h', '-x', OPAQUE, join(dest, path)], { check: false });
  }
}
