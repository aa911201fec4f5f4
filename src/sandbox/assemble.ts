/**
 * Builds the sandbox from the engine's parts (called by the daemon's composition root) and reconciles what a
 * previous daemon left: sandboxes are never kept across a restart — their jobs are re-run from the queue —
 * so every runc container, tmpfs, cgroup and image rootfs of the sandbox found at start is removed.
 *
 *   <root>/sandbox/boxes/<id>/     one sandbox: bundle/, ctl/ (→ /.pure, read-only), rw/ (its tmpfs)
 *   <root>/sandbox/images/<key>/   one read-only image rootfs, shared by that image's sandboxes
 *   <root>/sandbox/workspaces/<id>/ a job's prepared workspace and its grader's /student (plain files)
 *   <root>/sandbox/launcher         the launcher's busybox, mode 0711 (launcher.ts: installLauncher)
 *   <run-root>/sandbox/            runc's state for sandboxes (apart from containers')
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, release } from 'node:os';
import { dirname, join } from 'node:path';
import type { CgroupReader } from '../engine/cgroup/index.js';
import { RuncDriver } from '../engine/runtime/index.js';
import { newSnapshotter, type SnapshotterKind } from '../engine/snapshot/index.js';
import type { Db } from '../state/index.js';
import type { SandboxProfile } from './limits.js';
import { LOOPBACK_HOSTS } from './callback.js';
import { installLauncher } from './launcher.js';
import { SandboxPool } from './pool.js';
import { RootfsCache, type SandboxImage } from './rootfs-cache.js';
import { JobRunner, type ReadOnlyBind } from './runner.js';
import { Sandbox, unmountWorkspace, type SandboxEnv, type SandboxNetwork } from './sandbox.js';
import { HostIdRanges } from './host-ids.js';
import { SandboxService } from './service.js';

export interface SandboxOptions {
  /** The daemon's root; made traversable (0711) because a sandbox's mapped root must reach its rootfs. */
  root: string;
  runRoot: string;
  db: Db;
  /** The OCI runtime binary (runc). */
  runtimeBinary: string;
  cgroups: Pick<CgroupReader, 'cpuUsageNs' | 'memoryPeak' | 'oomKilled' | 'remove' | 'listCgroups'>;
  /** Sandboxes' cgroups go to <cgroupParent>/sbx-<id>. */
  cgroupParent: string;
  snapshotter: SnapshotterKind;
  resolveImage: (ref: string) => SandboxImage;
  /** Image used when a job names none. Default "busybox". */
  defaultImage?: string;
  /** Warm sandboxes per profile; 0 turns pools off. Default 2. */
  poolSize?: number;
  poolIdleMs?: number;
  /** Jobs at once. Default 2 × CPUs. */
  concurrency?: number;
  maxQueued?: number;
  retentionMs?: number;
  nofileCeiling?: number | null;
  /** Hosts a job's callbackUrl may name besides loopback (127.0.0.1, localhost, [::1]). */
  callbackHosts?: readonly string[];
  /** Networks for jobs with `network: true` (the engine's default bridge, through the daemon); without it they are refused. */
  network?: SandboxNetwork;
  /** Host id ranges of sandboxes (host-ids.ts). Default: 65536-wide blocks from host id 100000. */
  hostIds?: { base?: number; count?: number };
  onError?: (e: unknown) => void;
}

export interface SandboxSystem {
  service: SandboxService;
  runner: JobRunner;
  pool: SandboxPool;
  /** Keep `image`'s default profile warm from now on. */
  prewarm(image: string): Promise<void>;
  /** Stop: wait for running jobs, destroy warm sandboxes, unmount image rootfs. */
  close(): Promise<void>;
}

export async function openSandbox(o: SandboxOptions): Promise<SandboxSystem> {
  const base = join(o.root, 'sandbox');
  const boxRoot = join(base, 'boxes');
  const workspaceRoot = join(base, 'workspaces');
  for (const d of [base, boxRoot, join(base, 'images'), workspaceRoot]) {
    await mkdir(d, { recursive: true, mode: 0o711 });
    await chmod(d, 0o711);
  }
  await allowTraverse(o.root);
  const driver = new RuncDriver({ binary: o.runtimeBinary, root: join(o.runRoot, 'sandbox') });
  const env: SandboxEnv = {
    driver,
    cgroups: o.cgroups,
    ids: new HostIdRanges(o.hostIds ?? {}),
    ...(o.network ? { network: o.network } : {}),
    boxRoot,
    cgroupParent: o.cgroupParent,
    nofileCeiling: o.nofileCeiling ?? null,
    kernelRelease: release(),
    launcherBinary: await installLauncher(join(base, 'launcher')),
  };
  const rootfs = new RootfsCache(newSnapshotter(o.snapshotter, { root: join(base, 'images') }));
  await reconcile(driver, env, rootfs, o);
  for (const id of await readdir(workspaceRoot)) await rm(join(workspaceRoot, id), { recursive: true, force: true });

  const create = async (profile: SandboxProfile, fs: string, readOnlyBinds: ReadOnlyBind[] = [], background = false): Promise<Sandbox> => {
    const sb = new Sandbox(`sbx-${randomBytes(6).toString('hex')}`, profile, env);
    try {
      await sb.create(fs, { readOnlyBinds, background });
      return sb;
    } catch (e) {
      await sb.destroy();
      throw e;
    }
  };
  const pool = new SandboxPool({
    size: o.poolSize ?? 2,
    ...(o.poolIdleMs !== undefined ? { idleMs: o.poolIdleMs } : {}),
    create: (profile, fs) => create(profile, fs, [], true),
    discard: (sb) => sb.destroy(),
    ...(o.onError ? { onError: o.onError } : {}),
  });
  const runner = new JobRunner({
    resolveImage: o.resolveImage,
    rootfs,
    pool,
    createSandbox: (profile, fs, binds) => create(profile, fs, binds),
    defaultImage: o.defaultImage ?? 'busybox',
    workspaceRoot,
    hasNetwork: o.network !== undefined,
    callbackHosts: [...LOOPBACK_HOSTS, ...(o.callbackHosts ?? []).map((h) => h.toLowerCase())],
    ...(o.onError ? { onError: o.onError } : {}),
  });
  const service = new SandboxService({
    db: o.db,
    runner,
    concurrency: o.concurrency ?? 2 * availableParallelism(),
    ...(o.maxQueued !== undefined ? { maxQueued: o.maxQueued } : {}),
    ...(o.retentionMs !== undefined ? { retentionMs: o.retentionMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
  });
  service.recover();
  return {
    service,
    runner,
    pool,
    async prewarm(image) {
      const { profile, image: img } = runner.check({ image, command: ['true'] });
      pool.prewarm(profile, await rootfs.rootfs(img));
    },
    async close() {
      await service.close();
      await pool.close();
      await runner.drain();
      await rootfs.clear();
    },
  };
}

/**
 * runc sets up a sandbox's mounts from inside its user namespace, as the mapped root: an unmapped host uid
 * without DAC override, which must still walk down to the rootfs and tmpfs. Give every ancestor of the
 * daemon's root the search bit for others (never read: listing stays root's), as Docker does with its root
 * under userns-remap.
 */
async function allowTraverse(dir: string): Promise<void> {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    const st = await stat(d);
    if ((st.mode & 0o001) === 0) await chmod(d, (st.mode & 0o7777) | 0o001);
  }
}

/** Remove every sandbox a previous daemon left (its jobs are re-run from the queue). */
async function reconcile(driver: RuncDriver, env: SandboxEnv, rootfs: RootfsCache, o: SandboxOptions): Promise<void> {
  for (const id of await driver.list().catch(() => [] as string[])) await driver.delete(id, { force: true }).catch(() => undefined);
  for (const id of await readdir(env.boxRoot).catch(() => [] as string[])) {
    const dir = join(env.boxRoot, id);
    await o.network?.detach(id).catch(() => undefined);
    await unmountWorkspace(join(dir, 'rw'));
    await rm(dir, { recursive: true, force: true });
  }
  for (const path of await o.cgroups.listCgroups(o.cgroupParent).catch(() => [] as string[])) {
    if (path.split('/').pop()?.startsWith('sbx-')) await o.cgroups.remove(path).catch(() => undefined);
  }
  await rootfs.clear();
}
