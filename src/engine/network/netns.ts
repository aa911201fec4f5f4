/**
 * Named network namespaces as files: <run-root>/netns/<container-id>, an nsfs bind mount made by
 * `unshare --net=FILE` (util-linux), so the namespace lives on without any process in it and runc joins it
 * by path. Kept under Pure's own run root, not /run/netns, so two daemons (tests) never see each other's.
 * Removing is unmount + unlink; the kernel frees the namespace, and the veth end inside it with it.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MNT_DETACH, run, unmountFs } from '../../lib/index.js';

export class NetnsDir {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  path(id: string): string {
    return join(this.dir, id);
  }

  async create(id: string): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const p = this.path(id);
    await writeFile(p, '', { mode: 0o400 });
    try {
      await run('unshare', [`--net=${p}`, 'true']);
    } catch (e) {
      await rm(p, { force: true });
      throw e;
    }
    return p;
  }

  /** Whether `id`'s netns file is still an nsfs mount (after a reboot it is a plain, empty file). */
  async isMounted(id: string): Promise<boolean> {
    const p = this.path(id);
    const info = await readFile('/proc/self/mountinfo', 'utf8');
    return info.split('\n').some((l) => l.split(' ')[4] === p);
  }

  async remove(id: string): Promise<void> {
    const p = this.path(id);
    // a second mount may sit under the first (a crash between two creates): unmount until none is left
    for (let i = 0; i < 4 && (await this.isMounted(id)); i++) {
      try {
        unmountFs(p, i === 0 ? 0 : MNT_DETACH);
      } catch {
        // not mounted (any more), or busy: the next pass detaches it
      }
    }
    await rm(p, { force: true });
  }

  async list(): Promise<string[]> {
    return readdir(this.dir).catch(() => [] as string[]);
  }
}
