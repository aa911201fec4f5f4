/**
 * conmon writes a container's exit code, as decimal text, to `<exit dir>/<container id>` when the
 * container's init process exits (128+N when killed by signal N). It writes a temp file and renames it
 * (glib g_file_set_contents), so a file that exists is complete. One directory serves every container,
 * which lets the daemon watch all exits with one inotify watch and find, after a restart, the exits it
 * missed while it was down (the initial scan).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The exit code conmon recorded for `id`, or null when the container has not exited (no file yet). */
export async function readExitFile(exitDir: string, id: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(join(exitDir, id), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const code = Number.parseInt(text.trim(), 10);
  return Number.isNaN(code) ? null : code;
}

export interface ExitWatcher {
  close(): void;
}

/**
 * Call `onExit(id, code)` once for every exit file already in `exitDir` and once for each new one.
 * Temp files (any name with a dot: conmon's `<id>.XXXXXX`) are ignored. If an exit file is removed and written again (the
 * same id run again), it is reported again.
 */
export function watchExits(exitDir: string, onExit: (id: string, code: number) => void): ExitWatcher {
  const reported = new Set<string>();
  let closed = false;

  const check = async (id: string): Promise<void> => {
    // conmon writes `<id>.XXXXXX` and renames it to `<id>` (glib's g_file_set_contents). A temp name must never
    // be reported: whoever handles the "exit" of an unknown id deletes the file, conmon's rename then fails
    // and conmon exits without recording the exit code at all. Container ids never contain a dot.
    if (closed || id.includes('.')) return;
    const code = await readExitFile(exitDir, id).catch(() => null);
    if (code === null) {
      reported.delete(id);
      return;
    }
    if (closed || reported.has(id)) return;
    reported.add(id);
    onExit(id, code);
  };

  // Watch before scanning so an exit landing between the two is seen by at least one of them.
  const watcher: FSWatcher = watch(exitDir, (_event, filename) => {
    if (filename) void check(filename.toString());
  });
  watcher.on('error', () => undefined);
  void readdir(exitDir)
    .then(async (names) => {
      for (const name of names) await check(name);
    })
    .catch(() => undefined);

  return {
    close(): void {
      closed = true;
      watcher.close();
    },
  };
}
