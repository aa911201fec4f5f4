import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Debian's busybox-static: one self-contained binary, so the image needs no libc. */
export const HOST_BUSYBOX = '/usr/bin/busybox';

/**
 * Lay out a minimal root filesystem in `dir`: busybox with one symlink per applet in /bin, /etc/passwd with
 * root, an unprivileged `app` (1000) and `nobody`, and a one-line /var/www/index.html for web demos.
 */
export async function makeBusyboxRootfs(dir: string, busybox: string = HOST_BUSYBOX): Promise<void> {
  // A rootfs root must be 0755 (mkdtemp makes 0700): the tar's `./` entry carries it into the image, and a
  // non-root user in the container could not even resolve /bin/sh.
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/app', 'var/www']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await chmod(join(dir, 'tmp'), 0o1777);
  await copyFile(busybox, join(dir, 'bin/busybox'));
  await chmod(join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const applet of applets) await symlink('busybox', join(dir, 'bin', applet));
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n');
  await writeFile(join(dir, 'var/www/index.html'), 'hello from pure\n');
}
