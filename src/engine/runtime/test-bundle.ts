/**
 * Test support for the runtime module's integration tests (not part of the public API): a temp world
 * with its own runc --root, exit dir, socket dir and one shared busybox rootfs, and bundles made with
 * `runc spec` and edited (no network namespace: no CNI here; cgroup /pure-test/<id>). `cleanup()`
 * removes every container, conmon, cgroup and file it made, whatever state they are in.
 */
import { mkdtemp, mkdir, readFile, rm, rmdir, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/index.js';
import { makeBusyboxRootfs } from '../../../test/fixtures/busybox.js';
import { Conmon } from './conmon.js';
import { RuncDriver } from './runc-driver.js';
import type { RuntimeDriver } from './runtime-driver.js';

/** The fields of `runc spec`'s config.json that the tests edit. */
interface TemplateSpec {
  root: { path: string; readonly: boolean };
  process: { args: string[]; terminal: boolean; env: string[] };
  linux: { cgroupsPath?: string; namespaces: { type: string }[] };
}

export interface TestWorld {
  dir: string;
  exitDir: string;
  socketDir: string;
  runtime: RuntimeDriver;
  conmon: Conmon;
  /** A fresh container id, remembered for cleanup. */
  newId(): string;
  /** Make `<dir>/bundles/<id>` running `args`; returns the bundle path. */
  bundle(id: string, args: string[], opts?: { terminal?: boolean }): Promise<string>;
  /** Create through conmon with the world's dirs; returns the bundle and conmon's answer. */
  create(args: string[], opts?: { terminal?: boolean; stdin?: boolean }): Promise<{ id: string; bundle: string; logPath: string; pid: number; conmonPid: number }>;
  /** Poll `check` until it returns a value other than undefined (bounded, for asynchronous outcomes). */
  eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T>;
  cleanup(): Promise<void>;
}

export async function makeTestWorld(makeRuntime?: (root: string) => RuntimeDriver): Promise<TestWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'pure-rt-'));
  // Short: conmon's attach symlink is <socketDir>/<id>/attach.
  const socketDir = await mkdtemp('/tmp/prs-');
  const exitDir = join(dir, 'exits');
  const rootfs = join(dir, 'rootfs');
  const root = join(dir, 'runc');
  await mkdir(exitDir);
  await mkdir(join(dir, 'bundles'));
  await makeBusyboxRootfs(rootfs);
  await run('/usr/sbin/runc', ['spec'], { cwd: dir });
  const template = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as TemplateSpec;
  const runtime = makeRuntime ? makeRuntime(root) : new RuncDriver({ root });
  const conmon = new Conmon();
  const ids: string[] = [];

  const world: TestWorld = {
    dir,
    exitDir,
    socketDir,
    runtime,
    conmon,
    newId() {
      const id = `t-${randomBytes(5).toString('hex')}`;
      ids.push(id);
      return id;
    },
    async bundle(id, args, opts = {}) {
      const bundle = join(dir, 'bundles', id);
      await mkdir(bundle);
      const spec = structuredClone(template);
      spec.root = { path: rootfs, readonly: false };
      spec.process.args = args;
      spec.process.terminal = opts.terminal ?? false;
      spec.process.env = ['PATH=/bin:/usr/bin:/sbin:/usr/sbin', 'TERM=xterm'];
      spec.linux.cgroupsPath = `/pure-test/${id}`;
      spec.linux.namespaces = spec.linux.namespaces.filter((n) => n.type !== 'network');
      await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
      return bundle;
    },
    async create(args, opts = {}) {
      const id = world.newId();
      const bundle = await world.bundle(id, args, { terminal: opts.terminal ?? false });
      const logPath = join(bundle, 'ctr.log');
      const created = await conmon.create({
        id,
        bundle,
        runtime,
        logPath,
        exitDir,
        socketDir,
        terminal: opts.terminal ?? false,
        stdin: opts.stdin ?? false,
      });
      return { id, bundle, logPath, ...created };
    },
    async eventually(check, what) {
      for (let i = 0; i < 300; i++) {
        const v = await check();
        if (v !== undefined) return v;
        await sleep(50);
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async cleanup() {
      for (const id of ids) {
        await runtime.delete(id, { force: true }).catch(() => undefined);
        const pidText = await readFile(join(dir, 'bundles', id, 'conmon.pid'), 'utf8').catch(() => '');
        const conmonPid = Number.parseInt(pidText, 10);
        if (conmonPid > 0) {
          try {
            process.kill(conmonPid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await removeCgroups(`pure-test/${id}`);
      }
      await rm(dir, { recursive: true, force: true });
      await rm(socketDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** rmdir the container's leaf cgroup in every hierarchy (runc delete normally did it already). */
async function removeCgroups(relative: string): Promise<void> {
  const hierarchies = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const h of hierarchies) {
    await rmdir(join('/sys/fs/cgroup', h, relative)).catch(() => undefined);
  }
  await rmdir(join('/sys/fs/cgroup', relative)).catch(() => undefined);
}
