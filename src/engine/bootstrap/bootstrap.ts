import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FailedPrecondition, InvalidArgument, Unavailable } from '../../errors/index.js';
import { run } from '../../lib/index.js';
import type { ImageRecord, ImageService, ProgressSink } from '../image/index.js';
import { makeBusyboxRootfs, HOST_BUSYBOX } from './busybox-rootfs.js';

export interface BusyboxOptions {
  /** The static busybox to copy (default /usr/bin/busybox, from Debian's busybox-static). */
  busybox?: string;
  signal?: AbortSignal;
}

export interface DebianOptions {
  /** Extra packages, as debootstrap's --include. */
  include?: readonly string[];
  /** Default: the mirror this host's apt uses, else http://deb.debian.org/debian. */
  mirror?: string;
  signal?: AbortSignal;
  /** debootstrap's own output, one `{ status: 'debootstrap', message }` per line. */
  onProgress?: ProgressSink;
  /** Default: `debootstrap` on PATH. */
  debootstrap?: string;
}

/** Debian suites debootstrap on bookworm knows; the tag of `debian:<suite>` names one. */
const SUITE = /^[a-z]+$/;
const PACKAGE = /^[a-z0-9][a-z0-9.+-]+$/;

/** `pure image bootstrap busybox [REF]`: a one-layer image of the host's static busybox, Cmd ["sh"]. */
export async function bootstrapBusybox(images: ImageService, ref = 'busybox:latest', opts: BusyboxOptions = {}): Promise<ImageRecord> {
  const scratch = await images.scratchDir();
  try {
    const rootfs = join(scratch, 'rootfs');
    await makeBusyboxRootfs(rootfs, opts.busybox ?? HOST_BUSYBOX).catch((e: unknown) => {
      throw new FailedPrecondition(`cannot bootstrap "${ref}": ${opts.busybox ?? HOST_BUSYBOX} is not usable (install busybox-static)`, { cause: e });
    });
    // every file takes busybox's own mtime: the same host busybox gives the same layer (diff id), stored once
    const { mtimeMs } = await stat(opts.busybox ?? HOST_BUSYBOX);
    const reproducible = ['--sort=name', `--mtime=@${Math.floor(mtimeMs / 1000)}`];
    return await importDir(images, rootfs, join(scratch, 'layer.tar'), ref, { Cmd: ['sh'] }, opts.signal, reproducible);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `pure image bootstrap debian:SUITE`: `debootstrap --variant=minbase` into a scratch dir under the Pure root
 * (removed at the next daemon start if the daemon dies), imported as one layer with Cmd ["bash"].
 */
export async function bootstrapDebian(images: ImageService, ref: string, opts: DebianOptions = {}): Promise<ImageRecord> {
  const suite = /^(?:docker\.io\/)?(?:library\/)?debian:([^@]+)$/.exec(ref)?.[1];
  if (suite === undefined || !SUITE.test(suite)) throw new InvalidArgument(`cannot bootstrap "${ref}": expected debian:<suite>, e.g. debian:bookworm`);
  const bad = (opts.include ?? []).find((p) => !PACKAGE.test(p));
  if (bad !== undefined) throw new InvalidArgument(`cannot bootstrap "${ref}": invalid package name "${bad}" in --include`);
  if (opts.mirror !== undefined && !/^(https?|file):\/\/\S+$/.test(opts.mirror)) throw new InvalidArgument(`cannot bootstrap "${ref}": invalid mirror "${opts.mirror}" (expected an http(s):// or file:// URL)`);
  const scratch = await images.scratchDir();
  const rootfs = join(scratch, 'rootfs');
  try {
    const args = ['--variant=minbase', ...(opts.include?.length ? [`--include=${opts.include.join(',')}`] : []), suite, rootfs, opts.mirror ?? 'http://deb.debian.org/debian'];
    await debootstrap(opts.debootstrap ?? 'debootstrap', args, ref, opts);
    // apt lists make up tens of MB that every `apt-get update` replaces anyway; docker's debian images drop them too
    await run('sh', ['-c', 'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin', 'sh', rootfs]);
    return await importDir(images, rootfs, join(scratch, 'layer.tar'), ref, { Cmd: ['bash'] }, opts.signal);
  } finally {
    await unmountUnder(rootfs);
    await rm(scratch, { recursive: true, force: true });
  }
}

function debootstrap(file: string, args: string[], ref: string, opts: DebianOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal, env: { ...process.env, LC_ALL: 'C' } });
    let lastLine = '';
    // debootstrap's "E:" line says why it failed; stdout and stderr arrive in no fixed order, so prefer it
    let lastError: string | undefined;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!line.trim()) return;
        lastLine = line;
        if (line.startsWith('E: ')) lastError = line;
        opts.onProgress?.({ status: 'debootstrap', message: line });
      });
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new FailedPrecondition(`cannot bootstrap "${ref}": ${file} is not installed (apt-get install debootstrap)`, { cause: e }));
      else reject(e);
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Unavailable(`cannot bootstrap "${ref}": debootstrap failed (${signal ?? `exit ${code ?? '?'}`}): ${lastError ?? (lastLine || 'no output')}`));
    });
  });
}

/** Pack `dir` with GNU tar to a file first: a tar that fails half-way must not become a truncated layer. */
async function importDir(images: ImageService, dir: string, tarPath: string, ref: string, changes: { Cmd: string[] }, signal?: AbortSignal, extra: string[] = []): Promise<ImageRecord> {
  // /dev, /proc and /sys are the runtime's to mount; debootstrap leaves device nodes there that no image carries
  await run('tar', ['-C', dir, '--numeric-owner', '--xattrs', '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '--pax-option=delete=atime,delete=ctime', ...extra, '-cf', tarPath, '.'], { signal });
  return images.importRootfs(createReadStream(tarPath), ref, { signal, changes });
}

/** debootstrap mounts /proc and /sys in the target and may leave them when it is killed. */
async function unmountUnder(rootfs: string): Promise<void> {
  const { stdout } = await run('findmnt', ['-rn', '-o', 'TARGET'], { check: false });
  const targets = stdout.split('\n').filter((t) => t.startsWith(`${rootfs}/`)).sort((a, b) => b.length - a.length);
  for (const t of targets) await run('umount', ['-l', t], { check: false });
}
