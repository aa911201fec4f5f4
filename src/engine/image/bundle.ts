import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument } from '../../errors/index.js';
import { decompressed } from '../archive/index.js';

const MAX_JSON = 16 * 1024 * 1024;
const MAX_LINK_HOPS = 40;

/** Lexical clean rooted at `/`: `..` cannot climb above the archive root (chroot semantics). */
function clean(p: string): string {
  return posix.normalize(`/${p}`).slice(1).replace(/\/+$/, '');
}

/**
 * An image archive (`docker save` or OCI layout) spooled to a private directory so its members can be
 * read in any order. Member files are stored under numbered names; symlinks and hardlinks are kept as a
 * table and resolved lexically inside the archive, so no member can point us at a host file.
 */
export class Bundle {
  private readonly files = new Map<string, string>();
  private readonly links = new Map<string, string>();

  private constructor(private readonly dir: string) {}

  static async read(source: Readable, dir: string, signal?: AbortSignal): Promise<Bundle> {
    const bundle = new Bundle(dir);
    // tar-stream is loaded by the first `load`, not by the daemon's start (idle RSS)
    const { extract: tarExtract } = await import('tar-stream');
    const extract = tarExtract();
    const tar = await decompressed(source);
    let n = 0;
    const feed = async (): Promise<void> => {
      for await (const chunk of tar) {
        signal?.throwIfAborted();
        if (!extract.write(chunk as Buffer)) await drainedOrClosed(extract);
        if (failure) return;
      }
      extract.end(null);
    };
    const consume = async (): Promise<void> => {
      for await (const entry of extract) {
        const name = clean(entry.header.name);
        const type = entry.header.type;
        if ((type === 'file' || type === 'contiguous-file') && name !== '') {
          const file = join(dir, String(n++));
          const fh = await open(file, 'wx', 0o600);
          try {
            for await (const chunk of entry) await fh.write(chunk as Buffer);
          } finally {
            await fh.close();
          }
          bundle.links.delete(name);
          bundle.files.set(name, file);
          continue;
        }
        for await (const _ of entry) {
          // no data in links and directories
        }
        if (type === 'symlink') {
          bundle.files.delete(name);
          bundle.links.set(name, entry.header.linkname ?? '');
        } else if (type === 'link') {
          const target = bundle.resolve(entry.header.linkname ?? '');
          if (target !== undefined) bundle.files.set(name, target);
        }
      }
    };
    let failure: Error | undefined;
    const fail = (e: unknown): void => {
      failure ??= e instanceof Error ? e : new Error(String(e));
      extract.destroy(failure);
      tar.destroy(failure);
    };
    await Promise.all([feed().catch(fail), consume().catch(fail)]);
    if (failure) {
      if (signal?.aborted) throw failure;
      throw new InvalidArgument(`cannot read image archive: ${failure.message}`, { cause: failure });
    }
    return bundle;
  }

  has(path: string): boolean {
    return this.resolve(path) !== undefined;
  }

  open(path: string): Readable {
    return createReadStream(this.mustResolve(path));
  }

  async readJson<T>(path: string): Promise<T> {
    const bytes = await this.readBytes(path);
    try {
      return JSON.parse(bytes.toString('utf8')) as T;
    } catch (e) {
      throw new InvalidArgument(`image archive member "${path}" is not valid JSON`, { cause: e });
    }
  }

  async readBytes(path: string): Promise<Buffer> {
    const file = this.mustResolve(path);
    if ((await stat(file)).size > MAX_JSON) throw new InvalidArgument(`image archive member "${path}" is too large`);
    return readFile(file);
  }

  private mustResolve(path: string): string {
    const file = this.resolve(path);
    if (file === undefined) throw new InvalidArgument(`image archive has no member "${path}"`);
    return file;
  }

  /** Follow symlinks lexically (absolute targets are relative to the archive root); undefined if absent. */
  private resolve(path: string): string | undefined {
    let p = clean(path);
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      const parts = p.split('/');
      let next: string | undefined;
      for (let i = 1; i <= parts.length && next === undefined; i++) {
        const prefix = parts.slice(0, i).join('/');
        const target = this.links.get(prefix);
        if (target === undefined) continue;
        const base = target.startsWith('/') ? target : posix.join(posix.dirname(prefix), target);
        next = clean(posix.join(base, ...parts.slice(i)));
      }
      if (next === undefined) return this.files.get(p);
      p = next;
    }
    return undefined;
  }
}

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
