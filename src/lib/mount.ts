/**
 * mount(2) and umount2(2), called in-process through koffi (DESIGN.md: where Node cannot make a syscall
 * itself, use koffi or a well-known binary). A `mount` or `umount` process costs ~2.5 ms each on the 2-core
 * test VM; the syscall costs ~0.03 ms, and every container start and removal does one of each.
 *
 * koffi is loaded on first use, so only a daemon that mounts pays for it (~10 ms once, ~7 MiB RSS).
 * The calls are synchronous: mount and umount of an overlay or tmpfs return in microseconds, and a
 * synchronous call cannot interleave with another mount made by this process.
 */
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';
import { Internal } from '../errors/index.js';

/** umount2 flag: detach now, release once no process uses the mount (`umount -l`). */
export const MNT_DETACH = 2;
/** mount flags (linux/mount.h): what `mount -o nosuid,nodev` pass as flags, not as data. */
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;

interface Libc {
  mount: (source: string, target: string, fstype: string, flags: number, data: string | null) => number;
  umount2: (target: string, flags: number) => number;
  /** umount2 on one of koffi's worker threads; errno does not come back from there. */
  umount2Async: (target: string, flags: number) => Promise<number>;
  errno: () => number;
}

let libc: Libc | undefined;

function load(): Libc {
  if (libc) return libc;
  type Func = ((...args: unknown[]) => unknown) & { async(...args: unknown[]): void };
  type Koffi = {
    load(path: string): { func(signature: string): Func };
    errno(): number;
  };
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new Internal(`cannot load koffi to call mount(2): ${(e as Error).message}`, { cause: e });
  }
  const lib = koffi.load('libc.so.6');
  const mount = lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
  const umount2 = lib.func('int umount2(const char *target, int flags)');
  libc = {
    mount: (source, target, fstype, flags, data) => mount(source, target, fstype, flags, data) as number,
    umount2: (target, flags) => umount2(target, flags) as number,
    umount2Async: (target, flags) =>
      new Promise((resolve, reject) => {
        umount2.async(target, flags, (err: Error | null, result: number) => (err ? reject(err) : resolve(result)));
      }),
    errno: () => koffi.errno(),
  };
  return libc;
}

/** A failed mount/umount: `code` is the errno's name (EBUSY, EINVAL, ...), as Node's fs errors carry it. */
export class MountError extends Internal {
  constructor(
    message: string,
    readonly errno: string,
  ) {
    super(message);
  }
}

function fail(what: string, errno: number): never {
  let name = `errno ${errno}`;
  try {
    name = getSystemErrorName(-errno);
  } catch {
    // an errno Node does not name: keep the number
  }
  throw new MountError(`${what}: ${name}`, name);
}

/** mount(2): `data` is the filesystem's option string (e.g. overlay's lowerdir=…); relative paths in it resolve against the daemon's cwd. */
export function mountFs(fstype: string, source: string, target: string, data: string, flags = 0): void {
  const c = load();
  if (c.mount(source, target, fstype, flags, data) !== 0) fail(`cannot mount ${fstype} on ${target}`, c.errno());
}

/** umount2(2); flags 0 or MNT_DETACH. */
export function unmountFs(target: string, flags = 0): void {
  const c = load();
  if (c.umount2(target, flags) !== 0) fail(`cannot unmount ${target}`, c.errno());
}

/**
 * umount2(2) off the event loop: unmounting an overlay syncs its upper filesystem, ~2 ms on the test VM's
 * ext4 while the daemon writes. A failure is retried once synchronously, which names its errno.
 */
export async function unmountFsAsync(target: string, flags = 0): Promise<void> {
  const c = load();
  if ((await c.umount2Async(target, flags)) !== 0) unmountFs(target, flags);
}
