/** Checks on the committed layer directories a snapshot is made over; private to the snapshotters. */
import { lstat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { InvalidArgument, NotFound } from '../../errors/index.js';

/**
 * Each parent must be an absolute path to an existing directory. With `forOverlay`, ':' and ',' are also
 * refused: they separate lowerdirs and mount options, and layer paths (`layers/<chainid>`) never need them.
 */
export async function checkParents(parents: readonly string[], opts: { forOverlay?: boolean } = {}): Promise<void> {
  for (const dir of parents) {
    if (!isAbsolute(dir)) throw new InvalidArgument(`invalid layer directory "${dir}": not an absolute path`);
    if (opts.forOverlay && /[:,]/.test(dir)) {
      throw new InvalidArgument(`invalid layer directory "${dir}": overlayfs cannot take ':' or ',' in a path`);
    }
    const st = await lstat(dir).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) throw new NotFound(`no such layer directory: "${dir}"`);
  }
}

/** Does `path` exist (without following a final symlink)? */
export async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
