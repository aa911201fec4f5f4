/**
 * `pure daemon`: the daemon's composition root. It builds the object graph once (state → images →
 * snapshotter → runtime + conmon → containers → API), reconciles what a previous daemon left behind, and
 * serves API v1 on a unix socket only root can open.
 *
 *   <root>      (default /var/lib/pure)  state.db, content/, layers/, containers/<id>/
 *   <run-root>  (default /run/pure)      pure.sock, pure.pid, runc/ (runc state), exits/, s/ (conmon sockets)
 */
import { chmod, rm, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { arch, release } from 'node:os';
import { Command } from 'commander';
import { openDatabase } from '../state/index.js';
import { ImageService } from '../engine/image/index.js';
import { detectSnapshotter, newSnapshotter, type SnapshotterKind } from '../engine/snapshot/index.js';
import { Conmon, RuncDriver, CrunDriver, detectRuntimes, type RuntimeDriver } from '../engine/runtime/index.js';
import { CgroupReader, detectCgroupMode } from '../engine/cgroup/index.js';
import { ContainerService, recoverContainers } from '../engine/container/index.js';
import { VolumeService } from '../engine/volume/index.js';
import { NetworkService } from '../engine/network/index.js';
import { EventBus } from '../engine/events/index.js';
import { StackService, composeLoader } from '../stack/index.js';
import { buildApi } from '../api/index.js';
import type { VersionInfo } from '../api/index.js';
import { run } from '../lib/index.js';
import { FailedPrecondition, messageOf } from '../errors/index.js';
import { cgroupPort, ensureDirs, monitorPort, runtimePort, specPort } from './adapters.js';
import { imageApi } from './image-adapter.js';
import { withImageEvents, withRegistryEvents } from './event-adapters.js';
import { registryApi } from './registry-adapter.js';
import { storageApi } from './storage-adapter.js';
import { PURE_VERSION } from '../version.js';
import { sandboxJobs } from './sandbox-adapter.js';

export interface DaemonOptions {
  root: string;
  runRoot: string;
  runtime?: 'runc' | 'crun';
  snapshotter?: SnapshotterKind;
  /** cgroup parent of the containers; default /pure. */
  cgroupParent?: string;
  /** Registries reachable over plain HTTP besides loopback (host, host:port, IPv4 CIDR), as docker's --insecure-registry. */
  insecureRegistries?: string[];
  /** Extra CA certificates (PEM) for registries, on top of the system's. */
  registryCa?: string;
  /** The default network's bridge device and subnet (default pure0, 10.89.0.0/16). */
  bridge?: string;
  bridgeSubnet?: string;
  logLevel?: string;
  /** Sandbox jobs: warm sandboxes per profile (0 = off, default 2), jobs at once, default image. */
  sandboxWarm?: number;
  sandboxConcurrency?: number;
  sandboxImage?: string;
  sandboxPrewarm?: boolean;
  /** Hosts sandbox job callbacks may POST to besides loopback. */
  sandboxCallbackHosts?: string[];
}

export interface Daemon {
  socketPath: string;
  close(): Promise<void>;
}

async function chooseRuntime(want: 'runc' | 'crun' | undefined, runRoot: string): Promise<RuntimeDriver> {
  const found = await detectRuntimes();
  const name = want ?? 'runc';
  const rt = found.find((r) => r.name === name);
  if (!rt?.usable) {
    throw new FailedPrecondition(`runtime "${name}" cannot be used on this host: ${rt?.reason ?? 'not installed'}`);
  }
  const root = join(runRoot, name);
  return name === 'crun' ? new CrunDriver({ binary: rt.binary, root }) : new RuncDriver({ binary: rt.binary, root });
}

/** Build everything, recover, and listen. Returns a handle to stop serving (containers keep running). */
export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  const root = resolve(o.root);
  const runRoot = resolve(o.runRoot);
  const dirs = {
    containers: join(root, 'containers'),
    exits: join(runRoot, 'exits'),
    sockets: join(runRoot, 's'),
  };
  await ensureDirs(root, runRoot, dirs.containers, dirs.exits, dirs.sockets);
  const socketPath = join(runRoot, 'pure.sock');
  const pidFile = join(runRoot, 'pure.pid');
  await refuseSecondDaemon(pidFile);

  const db = openDatabase(join(root, 'state.db'));
  // one bus for the whole daemon: the engine publishes, GET /v1/events and the stack orchestrator subscribe
  const events = new EventBus();
  const images = new ImageService({ root, db });
  const snapKind = o.snapshotter ?? (await detectSnapshotter(dirs.containers));
  const snapshotter = newSnapshotter(snapKind, { root: dirs.containers });
  const driver = await chooseRuntime(o.runtime, runRoot);
  const cgroupMode = await detectCgroupMode();
  const cgroups = new CgroupReader({ mode: cgroupMode });
  const cgroupParent = o.cgroupParent ?? '/pure';
  if (!/^(\/[a-zA-Z0-9_.-]+)+$/.test(cgroupParent)) throw new FailedPrecondition(`invalid --cgroup-parent "${cgroupParent}": an absolute cgroup path`);
  const conmon = new Conmon();
  const runtime = runtimePort(driver);
  const monitor = monitorPort(conmon, driver, {
    exitDir: dirs.exits,
    socketDir: dirs.sockets,
    bundleOf: (id) => join(dirs.containers, id, 'bundle'),
  });
  // usersOf is called only after both exist: volumes and containers refer to each other (rm checks, attach)
  const volumes: VolumeService = new VolumeService({ root, db, events, usersOf: (name): string[] => containers.repo.usersOfVolume(name) });
  const networks: NetworkService = new NetworkService({
    root,
    runRoot,
    db,
    defaultBridge: { device: o.bridge ?? 'pure0', subnet: o.bridgeSubnet ?? '10.89.0.0/16' },
    containers: {
      resolve: (ref) => {
        const r = containers.resolve(ref);
        return { id: r.id, name: r.name, running: r.status === 'running' || r.status === 'paused', network: r.config.network ?? 'bridge' };
      },
      nameOf: (id) => containers.repo.get(id)?.name,
      usersOf: (net) => containers.repo.list().filter((r) => (r.config.network ?? 'bridge') === net).map((r) => r.name),
    },
    onError: (e) => process.stderr.write(`pure daemon: network: ${messageOf(e)}\n`),
    events,
  });
  await networks.init();
  const containers: ContainerService = new ContainerService({
    root,
    db,
    volumes,
    network: networks,
    images: {
      get: (ref) => images.get(ref),
      layerDirs: (img) => images.layerDirs(images.get(img.id)),
    },
    snapshotter,
    runtime,
    monitor,
    cgroups: cgroupPort(cgroups, cgroupParent),
    cgroupParent,
    spec: await specPort(),
    events,
  });
  containers.events.on('error', (e: unknown) => process.stderr.write(`pure daemon: ${messageOf(e)}\n`));

  const volReport = await volumes.recover();
  const report = await recoverContainers({ root, service: containers, runtime, monitor, snapshotter, cgroups: cgroupPort(cgroups, cgroupParent), network: networks });
  const repaired = Object.entries({ ...report, ...volReport }).filter(([, v]) => v.length > 0);
  if (repaired.length > 0) {
    process.stderr.write(`pure daemon: recovered ${repaired.map(([k, v]) => `${k}=${v.length}`).join(' ')}\n`);
  }
  containers.watch();

  const versions = await collectVersions(driver, conmon.binary);
  const version = (): VersionInfo => ({
    version: PURE_VERSION,
    apiVersion: '1',
    os: 'linux',
    arch: arch(),
    kernel: release(),
    runtime: { name: driver.name, binary: driver.binary, version: versions.runtime },
    conmon: versions.conmon,
    snapshotter: snapshotter.name,
    cgroupMode,
    root,
  });

  const registry = withRegistryEvents(registryApi(images, { insecureRegistries: o.insecureRegistries, caFile: o.registryCa }), events);
  const sandbox = await sandboxJobs({
    root,
    runRoot,
    db,
    images,
    cgroups,
    cgroupParent,
    runtimeBinary: driver.binary,
    snapshotter: snapKind,
    warm: o.sandboxWarm ?? 2,
    ...(o.sandboxConcurrency !== undefined ? { concurrency: o.sandboxConcurrency } : {}),
    image: o.sandboxImage ?? 'busybox',
    prewarm: o.sandboxPrewarm ?? false,
    ...(o.sandboxCallbackHosts ? { callbackHosts: o.sandboxCallbackHosts } : {}),
    networks,
  });
  const storage = storageApi({ root, images, containers, volumes, volumeUsers: (name) => containers.repo.usersOfVolume(name) });
  const stacks = new StackService({
    engine: { containers, networks, volumes, images: { idOf: (ref) => imageIdOf(images, ref) } },
    loader: composeLoader(),
    events,
  });
  const app = buildApi({ containers, images: withImageEvents(imageApi(images), events), registry, storage, volumes, networks, jobs: sandbox.jobs, events, stacks, version }, { logger: o.logLevel === 'debug' });
  await rm(socketPath, { force: true });
  await app.listen({ path: socketPath });
  await chmod(socketPath, 0o600);
  await writeFile(pidFile, `${process.pid}\n`);

  return {
    socketPath,
    async close() {
      containers.close();
      networks.close();
      // never let one stuck client keep a stopping daemon alive
      await Promise.race([app.close(), new Promise((r) => setTimeout(r, 3000).unref())]);
      await registry.close();
      await sandbox.close();
      db.close();
      await rm(pidFile, { force: true });
      await rm(socketPath, { force: true });
    },
  };
}

async function refuseSecondDaemon(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file from a daemon that died
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes('daemon')) throw new FailedPrecondition(`another Pure daemon (pid ${pid}) is already running (pid file ${pidFile})`);
}

async function collectVersions(driver: RuntimeDriver, conmonBinary: string): Promise<{ runtime: string; conmon: string }> {
  const rt = await driver.version().catch(() => ({ version: 'unknown' }));
  const cm = await run(conmonBinary, ['--version'], { check: false }).catch(() => ({ stdout: '' }));
  return { runtime: rt.version, conmon: /version (\S+)/.exec(cm.stdout)?.[1] ?? 'unknown' };
}

function sandboxFlags(f: { sandboxWarm: string | false; sandboxConcurrency?: string; sandboxImage: string; sandboxPrewarm?: boolean }): Partial<DaemonOptions> {
  const warm = f.sandboxWarm === false ? 0 : Number(f.sandboxWarm);
  if (!Number.isInteger(warm) || warm < 0 || warm > 64) throw new FailedPrecondition(`invalid --sandbox-warm "${String(f.sandboxWarm)}": 0..64`);
  const out: Partial<DaemonOptions> = { sandboxWarm: warm, sandboxImage: f.sandboxImage, sandboxPrewarm: f.sandboxPrewarm === true };
  if (f.sandboxConcurrency !== undefined) {
    const n = Number(f.sandboxConcurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new FailedPrecondition(`invalid --sandbox-concurrency "${f.sandboxConcurrency}": 1..256`);
    out.sandboxConcurrency = n;
  }
  return out;
}

/** Entry point of `pure daemon [flags]`. */
export async function main(argv: string[]): Promise<void> {
  const cmd = new Command('pure daemon')
    .description('run the Pure daemon: serves API v1 on <run-root>/pure.sock')
    .option('--root <dir>', 'state directory (images, containers, state.db)', process.env.PURE_ROOT ?? '/var/lib/pure')
    .option('--run-root <dir>', 'runtime directory (socket, runc state, exit files)', process.env.PURE_RUN_ROOT ?? '/run/pure')
    .option('--runtime <name>', 'OCI runtime: runc or crun (detected, never assumed)', 'runc')
    .option('--snapshotter <name>', 'overlay or copy (default: overlay where the kernel mounts it)')
    .option('--cgroup-parent <path>', 'cgroup under which every container gets <path>/<id>', '/pure')
    .option('--bridge <device>', 'bridge device of the default network', 'pure0')
    .option('--bridge-subnet <cidr>', 'subnet of the default network', '10.89.0.0/16')
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry (host[:port] or CIDR); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--registry-ca <file>', 'extra CA certificates (PEM) trusted for registries')
    .option('--log-level <level>', 'info or debug', 'info')
    .option('--sandbox-warm <n>', 'sandbox jobs: warm sandboxes kept per image and limits (0 = off)', '2')
    .option('--no-sandbox-warm', 'sandbox jobs: no warm pools, every job starts cold')
    .option('--sandbox-concurrency <n>', 'sandbox jobs run at once (default 2 x CPUs)')
    .option('--sandbox-image <ref>', 'image of sandbox jobs that name none', 'busybox')
    .option('--sandbox-prewarm', 'fill the --sandbox-image pool at start instead of on the first job')
    .option('--sandbox-callback-host <host>', 'sandbox jobs: allow callbackUrl to this host besides loopback; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .exitOverride();
  cmd.parse(argv, { from: 'user' });
  const regOpts = cmd.opts<{ insecureRegistry?: string[]; registryCa?: string }>();
  const opts = cmd.opts<{ root: string; runRoot: string; runtime: string; snapshotter?: string; cgroupParent: string; bridge: string; bridgeSubnet: string; logLevel: string }>();
  if (opts.runtime !== 'runc' && opts.runtime !== 'crun') throw new FailedPrecondition(`invalid --runtime "${opts.runtime}": use runc or crun`);
  if (opts.snapshotter !== undefined && opts.snapshotter !== 'overlay' && opts.snapshotter !== 'copy') {
    throw new FailedPrecondition(`invalid --snapshotter "${opts.snapshotter}": use overlay or copy`);
  }
  if (process.getuid?.() !== 0) throw new FailedPrecondition('the daemon must run as root');
  const daemon = await startDaemon({
    root: opts.root,
    runRoot: opts.runRoot,
    runtime: opts.runtime,
    snapshotter: opts.snapshotter,
    cgroupParent: opts.cgroupParent,
    insecureRegistries: regOpts.insecureRegistry,
    registryCa: regOpts.registryCa,
    bridge: opts.bridge,
    bridgeSubnet: opts.bridgeSubnet,
    logLevel: opts.logLevel,
    ...sandboxFlags(cmd.opts<{ sandboxWarm: string | false; sandboxConcurrency?: string; sandboxImage: string; sandboxPrewarm?: boolean }>()),
    sandboxCallbackHosts: cmd.opts<{ sandboxCallbackHost?: string[] }>().sandboxCallbackHost,
  });
  process.stderr.write(`pure daemon: listening on ${daemon.socketPath}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      // containers keep running under conmon; the next daemon picks them up
      void daemon.close().finally(() => {
        resolveStop();
        // open log followers or timers must not keep a stopped daemon around
        setTimeout(() => process.exit(0), 100).unref();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** The id of the image `ref` names, or undefined when there is none (or `ref` is not a valid reference). */
function imageIdOf(images: { get(ref: string): { id: string } }, ref: string): string | undefined {
  try {
    return images.get(ref).id;
  } catch {
    return undefined;
  }
}
