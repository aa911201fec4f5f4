/**
 * Wiring the sandbox (src/sandbox) into the daemon: its image port over the image store, its cgroup reader,
 * its runtime binary, and the JobsApi the API's /v1/jobs routes call. Wiring only.
 */
import type { ImageService } from '../engine/image/index.js';
import type { CgroupReader } from '../engine/cgroup/index.js';
import type { SnapshotterKind } from '../engine/snapshot/index.js';
import type { Db } from '../state/index.js';
import type { JobsApi } from '../api/routes/jobs.js';
import { openSandbox } from '../sandbox/index.js';
import { messageOf } from '../errors/index.js';

export interface SandboxWiring {
  root: string;
  runRoot: string;
  db: Db;
  images: ImageService;
  cgroups: CgroupReader;
  cgroupParent: string;
  runtimeBinary: string;
  snapshotter: SnapshotterKind;
  /** Warm sandboxes per profile (0: every job starts cold). */
  warm: number;
  concurrency?: number;
  /** Default image of jobs. */
  image: string;
  /** Fill the default image's pool at start (--sandbox-prewarm). */
  prewarm?: boolean;
  nofileCeiling?: number | null;
  /** Hosts job callbacks may POST to besides loopback (--sandbox-callback-host). */
  callbackHosts?: string[];
}

export async function sandboxJobs(w: SandboxWiring): Promise<{ jobs: JobsApi; close: () => Promise<void> }> {
  const sandbox = await openSandbox({
    root: w.root,
    runRoot: w.runRoot,
    db: w.db,
    runtimeBinary: w.runtimeBinary,
    cgroups: w.cgroups,
    cgroupParent: w.cgroupParent,
    snapshotter: w.snapshotter,
    resolveImage: (ref) => {
      const img = w.images.get(ref);
      return { id: img.id, layerDirs: w.images.layerDirs(img) };
    },
    defaultImage: w.image,
    poolSize: w.warm,
    ...(w.concurrency !== undefined ? { concurrency: w.concurrency } : {}),
    nofileCeiling: w.nofileCeiling ?? null,
    ...(w.callbackHosts ? { callbackHosts: w.callbackHosts } : {}),
    onError: (e) => process.stderr.write(`pure daemon: sandbox: ${messageOf(e)}\n`),
  });
  // pools form on a profile's first job, never at start: a daemon that runs no job holds no sandbox
  if (w.prewarm) await sandbox.prewarm(w.image).catch(() => undefined);
  const s = sandbox.service;
  return {
    jobs: {
      submit: (r) => s.submit(r),
      get: (id) => s.get(id),
      wait: (id, ms) => s.wait(id, ms),
      metrics: () => ({ ...s.metrics(), pool: sandbox.pool.metrics() }),
    },
    close: () => sandbox.close(),
  };
}
