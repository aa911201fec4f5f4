import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument, NotFound } from '../../errors/index.js';
import { syncDir } from '../../lib/index.js';
import { digestHex } from './digest.js';

export interface ContentStoreOptions {
  /** The Pure root; blobs live in `<root>/content/blobs/sha256/<hex>`. */
  root: string;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

/**
 * Immutable, content-addressed blobs (configs, manifests, layer tars), named by their sha256.
 *
 * A write goes to `content/ingest/<random>` on the same filesystem, is fsynced, verified against the
 * expected digest and size, then renamed into place and the directory fsynced (containerd's
 * content/local writer). A crash leaves at most a stray ingest file, never a blob with the wrong bytes.
 */
export class ContentStore {
  private readonly blobs: string;
  private readonly ingest: string;

  constructor(opts: ContentStoreOptions) {
    this.blobs = join(opts.root, 'content', 'blobs', 'sha256');
    this.ingest = join(opts.root, 'content', 'ingest');
  }

  path(digest: string): string {
    return join(this.blobs, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async write(source: Readable | Buffer, expected: { digest?: string; size?: number } = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) digestHex(expected.digest);
    await mkdir(this.blobs, { recursive: true });
    await mkdir(this.ingest, { recursive: true });
    const tmp = join(this.ingest, randomBytes(8).toString('hex'));
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      const chunks: AsyncIterable<unknown> | Buffer[] = Buffer.isBuffer(source) ? [source] : source;
      for await (const chunk of chunks) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        hash.update(buf);
        size += buf.length;
        await fh.write(buf, 0, buf.length);
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const digest = `sha256:${hash.digest('hex')}`;
    const mismatch =
      expected.digest !== undefined && expected.digest !== digest
        ? `digest is ${digest}, expected ${expected.digest}`
        : expected.size !== undefined && expected.size !== size
          ? `size is ${size}, expected ${expected.size}`
          : undefined;
    if (mismatch !== undefined) {
      await rm(tmp, { force: true });
      throw new InvalidArgument(`blob rejected: ${mismatch}`);
    }
    await rename(tmp, this.path(digest));
    await syncDir(this.blobs);
    return { digest, size };
  }

  async readJson<T>(digest: string): Promise<T> {
    const text = await readFile(this.path(digest), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new NotFound(`no such blob: "${digest}"`);
      throw e;
    });
    return JSON.parse(text) as T;
  }

  /** Remove a blob; removing one that is absent is not an error (deletes are retried after crashes). */
  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.blobs).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }
}
