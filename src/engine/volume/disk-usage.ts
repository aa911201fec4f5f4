/** Bytes a directory tree holds, counted with lstat (a symlink is its own few bytes, never its target). */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function diskUsage(dir: string): Promise<number> {
  const st = await lstat(dir).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(dir).catch(() => [] as string[])) total += await diskUsage(join(dir, e));
  return total;
}
