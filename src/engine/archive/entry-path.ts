import { posix } from 'node:path';
import { InvalidArgument } from '../../errors/index.js';

/** The error every hostile or malformed entry gets: it names the entry and the reason. */
export function badEntry(name: string, reason: string): InvalidArgument {
  return new InvalidArgument(`invalid layer entry "${name}": ${reason}`);
}

/**
 * The entry's path relative to the layer root, normalised lexically (`./a//b/` → `a/b`, `./` → `.`).
 * Absolute names are refused rather than re-rooted: no image builder writes them, so one is a sign of a
 * crafted archive. A name whose normal form climbs above the root (`../x`, `a/../../x`) is refused too.
 */
export function entryPath(value: string, entry = value, what = 'path'): string {
  const subject = value === entry ? what : `${what} "${value}"`;
  if (value === '' || value.includes('\0')) throw badEntry(entry, `empty ${subject} or NUL in it`);
  if (value.startsWith('/')) throw badEntry(entry, `absolute ${subject} is not allowed`);
  let n = posix.normalize(value);
  while (n.length > 1 && n.endsWith('/')) n = n.slice(0, -1);
  if (n === '..' || n.startsWith('../')) throw badEntry(entry, `${subject} escapes the layer root`);
  return n;
}

/**
 * Checks a symlink's target. Absolute targets are allowed, as in Docker: they are resolved inside the
 * container's root at run time, never by us on the host (we never follow a link while unpacking). A relative
 * target is resolved lexically from the link's own directory and must not climb above the layer root.
 */
export function checkSymlinkTarget(name: string, rel: string, target: string): void {
  if (target === '' || target.includes('\0')) throw badEntry(name, 'empty symlink target');
  if (target.startsWith('/')) return;
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw badEntry(name, `symlink target "${target}" escapes the layer root`);
  }
}

/** The parent directories of `rel`, shallowest first: `a/b/c` → [`a`, `a/b`]. */
export function parentsOf(rel: string): string[] {
  const parts = rel.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}
