/**
 * The overlay mount's option string. mount(2) copies its data argument as one page (4096 bytes here), so a
 * deep image cannot list every layer by absolute path. Three forms, shortest-needed first:
 * 1. absolute lowerdirs;
 * 2. lowerdirs relative to their common parent, mount run with that cwd (what containerd does) — layers
 *    all live in `<PURE_ROOT>/layers/`, so each costs its chain id (65 bytes);
 * 3. a directory of short symlinks `0`, `1`, … to the layers (what Docker's overlay2 `l/` does), for when
 *    even 65 bytes a layer is too much (about 60 layers with sha256 chain ids and a long root).
 * The kernel resolves lowerdir paths (relative to cwd, through symlinks) once, at mount time.
 */
import { dirname, relative, sep } from 'node:path';
import { InvalidArgument } from '../../errors/index.js';

/** Headroom below the page size, as containerd keeps, for anything libmount appends. */
const LIMIT = 4096 - 512;

export interface OverlayMountPlan {
  options: string;
  /** Run `mount` here so relative lowerdirs resolve; undefined for absolute lowerdirs. */
  cwd?: string;
  /** Form 3 only: symlink name → layer dir, to create in `cwd` before mounting. */
  links?: ReadonlyMap<string, string>;
}

export interface OverlayDirs {
  /** Layer dirs, lowest first (the Snapshotter's order). Non-empty. */
  lowers: readonly string[];
  upper: string;
  work: string;
  /** Where form 3's symlinks go (inside the snapshot's own dir). */
  linkDir: string;
}

function optionString(lowersTopFirst: readonly string[], upper: string, work: string): string {
  return `lowerdir=${lowersTopFirst.join(':')},upperdir=${upper},workdir=${work}`;
}

function commonParent(dirs: readonly string[]): string {
  let common = dirname(dirs[0] as string);
  for (const d of dirs) {
    while (common !== sep && !d.startsWith(common + sep)) common = dirname(common);
  }
  return common;
}

export function planOverlayMount(dirs: OverlayDirs): OverlayMountPlan {
  const { upper, work } = dirs;
  // overlayfs stacks lowerdir left over right: the TOP layer comes first.
  const topFirst = [...dirs.lowers].reverse();
  const absolute = optionString(topFirst, upper, work);
  if (absolute.length < LIMIT) return { options: absolute };

  const parent = commonParent(topFirst);
  const relativeForm = optionString(topFirst.map((d) => relative(parent, d)), upper, work);
  if (relativeForm.length < LIMIT) return { options: relativeForm, cwd: parent };

  const links = new Map<string, string>();
  dirs.lowers.forEach((d, i) => links.set(String(i), d));
  const names = [...links.keys()].reverse();
  const linked = optionString(names, upper, work);
  if (linked.length < LIMIT) return { options: linked, cwd: dirs.linkDir, links };
  throw new InvalidArgument(`cannot mount ${dirs.lowers.length} layers: the overlay options exceed one page`);
}
