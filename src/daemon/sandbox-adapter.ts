/**
 * Wiring the sandbox (src/sandbox) into the daemon: its image port over the image store, its network port
 * over the engine's default bridge network, its cgroup reader, its runtime binary, and the JobsApi the API's
 * /v1/jobs routes call. Wiring only.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ImageService } from '../engine/image/index.js';
import type { CgroupReader } from '../engine/cgroup/index.js';
import type { NetworkService } from '../engine/network/index.js';
import type { SnapshotterKind } from '../engine/snapshot/index.js';
import type { Db } from '../state/index.js';
import type { JobsApi } from '../api/routes/jobs.js';
import { openSandbox, type SandboxNetwork } from '../sandbox/index.js';
import { Internal, messageOf } from '../errors/index.js';

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
  /** The engine's networks: jobs with `network: true` join the default bridge network through them. */
  networks?: NetworkService;
}

/**
 * A sandbox's network is an endpoint of the default network "bridge", as a container started with the
 * default `--network bridge` has: a netns of its own, a veth on the bridge, an address from the network's
 * IPAM and the network's masquerade rule. The endpoint is keyed by the sandbox id (sbx-…), so the engine's
 * start-up reconcile, which detaches every endpoint no running container owns, also releases what a killed
 * daemon's sandboxes held.
 */
export function sandboxNetwork(networks: NetworkService, hostResolvConf = '/etc/resolv.conf'): SandboxNetwork {
  return {
    async attach(id, etcFiles) {
      // docker's default bridge: the host's resolv.conf without loopback nameservers (unreachable from a netns)
      const host = await readFile(hostResolvConf, 'utf8').catch(() => '');
      const kept = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
      await writeFile(etcFiles.resolvConf, kept.join('\n'), { mode: 0o644 });
      const r = await networks.attach({ id, name: id, hostname: 'sandbox', config: { image: '', network: 'bridge' }, exposedPorts: [], etcFiles });
      if (!r) throw new Internal(`cannot network sandbox ${id}: the default network gave no network namespace`);
      return r;
    },
    detach: (id) => networks.detach(id),
  };
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
    ...(w.networks ? { network: sandboxNetwork(w.networks) } : {}),
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
