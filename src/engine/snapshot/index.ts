/**
 * Snapshots: writable root filesystems made over read-only image layers. See snapshotter.ts for the
 * model (active, committed, parent, key) and README.md for the layout on disk.
 */
import type { Snapshotter, SnapshotterKind } from './snapshotter.js';
import { OverlaySnapshotter } from './overlay-snapshotter.js';
import { CopySnapshotter } from './copy-snapshotter.js';

export type { Snapshotter, SnapshotterKind, PrepareOptions, Usage } from './snapshotter.js';
export { validateKey } from './snapshotter.js';
export { detectSnapshotter } from './detect.js';

/** A snapshotter keeping its snapshots in `<root>/<key>/`. */
export function newSnapshotter(kind: SnapshotterKind, opts: { root: string }): Snapshotter {
  return kind === 'overlay' ? new OverlaySnapshotter(opts) : new CopySnapshotter(opts);
}
