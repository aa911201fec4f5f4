/**
 * Thin adapters from the engine's parts (runc driver, conmon, cgroup reader, spec builder) to the ports the
 * container service asks for. Wiring only: no decisions live here.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { release } from 'node:os';
import type { Writable } from 'node:stream';
import type {
  Conmon} from '../engine/runtime/index.js';
import {
  buildSpec,
  nofileCeiling,
  openStdin,
  readExitFile,
  resize,
  resolveUser,
  watchExits,
  type ExecProcess,
  type RuntimeDriver,
} from '../engine/runtime/index.js';
import type { CgroupReader } from '../engine/cgroup/index.js';
import type { CgroupPort, MonitorPort, RuntimePort, SpecPort, SpecInput, MonitorCreateOptions } from '../engine/container/index.js';

export function runtimePort(driver: RuntimeDriver): RuntimePort {
  return {
    name: driver.name,
    state: (id) => driver.state(id),
    start: (id) => driver.start(id),
    kill: (id, sig, opts) => driver.kill(id, sig, opts),
    pause: (id) => driver.pause(id),
    resume: (id) => driver.resume(id),
    delete: (id, opts) => driver.delete(id, opts),
    list: () => driver.list(),
    exec: (id, proc, opts) => {
      const child = driver.exec(id, proc as ExecProcess, opts);
      // the API layer asks for a resize by emitting 'resize' on the child
      child.on('resize', (rows: number, cols: number) => void driver.resizeExec(child, rows, cols).catch(() => undefined));
      return child;
    },
  };
}

export interface MonitorPaths {
  exitDir: string;
  socketDir: string;
  bundleOf: (id: string) => string;
}

export function monitorPort(conmon: Conmon, runtime: RuntimeDriver, paths: MonitorPaths): MonitorPort {
  return {
    create: (o: MonitorCreateOptions) =>
      conmon.create({
        id: o.id,
        bundle: o.bundle,
        runtime,
        logPath: o.logPath,
        exitDir: paths.exitDir,
        socketDir: paths.socketDir,
        terminal: o.terminal,
        stdin: o.stdin,
      }),
    watchExits: (onExit) => watchExits(paths.exitDir, onExit),
    readExitCode: (id) => readExitFile(paths.exitDir, id),
    clearExit: (id) => rm(join(paths.exitDir, id), { force: true }),
    openStdin: async (id): Promise<Writable> => openStdin(paths.socketDir, id).stdin,
    resize: (id, rows, cols) => resize(paths.bundleOf(id), rows, cols),
    cleanup: async (id) => {
      await rm(join(paths.socketDir, id), { recursive: true, force: true });
    },
  };
}

export function cgroupPort(reader: CgroupReader, parent: string): CgroupPort {
  return {
    stats: (p) => reader.stats(p),
    oomKilled: (p) => reader.oomKilled(p),
    remove: (p) => reader.remove(p),
    list: () => reader.listCgroups(parent),
  };
}

export async function specPort(): Promise<SpecPort> {
  const kernelRelease = release();
  // the host's ceiling: runc cannot raise RLIMIT_NOFILE above the daemon's own hard limit
  const ceiling = (await nofileCeiling()) ?? undefined;
  return {
    build: (i: SpecInput) => {
      const spec = buildSpec({
        id: i.id,
        rootfs: i.rootfs,
        readonlyRootfs: i.readOnly,
        args: i.args,
        env: i.env,
        cwd: i.cwd,
        user: i.user,
        hostname: i.hostname,
        terminal: i.terminal,
        network: i.network,
        binds: i.binds,
        tmpfs: Object.entries(i.tmpfs).map(([destination, opts]) => ({
          destination,
          ...(opts ? { options: opts.split(',').filter(Boolean) } : {}),
        })),
        etcHosts: i.etcFiles.hosts,
        etcHostname: i.etcFiles.hostname,
        etcResolvConf: i.etcFiles.resolvConf,
        limits: {
          memory: i.resources.memory,
          memorySwap: i.resources.memorySwap,
          cpus: i.resources.nanoCpus === undefined ? undefined : i.resources.nanoCpus / 1e9,
          cpuShares: i.resources.cpuShares,
          pidsLimit: i.resources.pidsLimit,
        },
        init: i.init,
        cgroupsPath: i.cgroupsPath,
        nofileCeiling: ceiling,
        kernelRelease,
      });
      if (i.terminal && i.consoleSize) spec.process.consoleSize = { height: i.consoleSize.rows, width: i.consoleSize.cols };
      return spec;
    },
    resolveUser: (rootfs, user) => resolveUser(rootfs, user),
  };
}

export async function ensureDirs(...dirs: string[]): Promise<void> {
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
}
