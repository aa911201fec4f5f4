import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgument, Internal } from '../../errors/index.js';
import { syncDir } from '../../lib/index.js';
import { decompressed, unpackLayer } from '../archive/index.js';
import type { ContentStore } from '../content/index.js';
import { digestHex } from '../content/index.js';
import type { ImageDb } from './image-db.js';
import type { LayerRecord } from './types.js';

const TMP_PREFIX = '.tmp-';

/** OCI image spec, "ChainID": chainid(L0) = diffid(L0); chainid(Ln) = sha256(chainid(Ln-1) + " " + diffid(Ln)). */
export function chainIdOf(parent: string | undefined, diffId: string): string {
  if (parent === undefined) return diffId;
  return `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

export interface AddLayerOptions {
  /** The diff id the image config promises; checked against the bytes, and lets an existing layer be reused unread. */
  expectedDiffId?: string;
  signal?: AbortSignal;
}

/**
 * Unpacked layers, `<root>/layers/<chain-id hex>/`, each an overlay lowerdir shared by every image whose
 * stack contains it. A layer is unpacked once into `layers/.tmp-<random>` and renamed into place, so a
 * crash never leaves a half-unpacked directory under a real name. Every layer keeps its uncompressed tar
 * in the content store (digest = diff id), which is what `save` and `push` send.
 */
export class LayerStore {
  readonly dir: string;

  constructor(
    root: string,
    private readonly content: ContentStore,
    private readonly db: ImageDb,
  ) {
    this.dir = join(root, 'layers');
    mkdirSync(this.dir, { recursive: true });
  }

  path(chainId: string): string {
    return join(this.dir, digestHex(chainId));
  }

  /**
   * Crash recovery, run before any other use: remove half-unpacked `.tmp-*` dirs, and layers that no image
   * references (a crash between unpacking and recording the image), with their blobs.
   */
  recover(referenced: ReadonlySet<string>, referencedDiffIds: ReadonlySet<string>): void {
    for (const name of readdirSync(this.dir)) {
      if (name.startsWith(TMP_PREFIX)) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
    for (const chainId of this.db.layerChainIds()) {
      if (!referenced.has(chainId)) this.removeUnreferenced(chainId, referencedDiffIds);
    }
    const known = new Set(this.db.layerChainIds().map((c) => digestHex(c)));
    for (const name of readdirSync(this.dir)) {
      if (!known.has(name)) rmSync(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** Make sure the layer on top of `parent` exists, unpacking it from `open()` when it does not. */
  async add(parent: string | undefined, open: () => Promise<Readable>, opts: AddLayerOptions = {}): Promise<LayerRecord> {
    if (opts.expectedDiffId !== undefined) {
      const reused = await this.existing(chainIdOf(parent, opts.expectedDiffId));
      if (reused) return reused;
    }
    opts.signal?.throwIfAborted();
    const source = await open();
    const abort = (): void => void source.destroy(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
    opts.signal?.addEventListener('abort', abort, { once: true });
    let blob;
    try {
      blob = await this.content.write(await decompressed(source));
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
    const diffId = blob.digest;
    if (opts.expectedDiffId !== undefined && opts.expectedDiffId !== diffId) {
      await this.dropBlobIfUnused(diffId);
      throw new InvalidArgument(`layer does not match the image config: config lists diff id ${opts.expectedDiffId}, the layer is ${diffId}`);
    }
    const chainId = chainIdOf(parent, diffId);
    const reused = await this.existing(chainId);
    if (reused) return reused;

    const tmp = join(this.dir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
    await mkdir(tmp);
    let size: number;
    try {
      const result = await unpackLayer(createReadStream(this.content.path(diffId)), tmp, { signal: opts.signal });
      if (result.diffId !== diffId) throw new Internal(`layer ${diffId} changed on disk while unpacking (read ${result.diffId})`);
      size = result.size;
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      await this.dropBlobIfUnused(diffId);
      throw e;
    }
    try {
      await rename(tmp, this.path(chainId));
    } catch (e) {
      // Another import finished the same layer first: theirs is identical, keep it.
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(this.path(chainId))) throw e;
    }
    await syncDir(this.dir);
    const layer = { diffId, chainId, size };
    this.db.addLayer(layer);
    return layer;
  }

  /** Delete a layer dir, its row and (when no other image uses the diff id) its blob. */
  removeUnreferenced(chainId: string, referencedDiffIds: ReadonlySet<string>): void {
    const row = this.db.layer(chainId);
    rmSync(this.path(chainId), { recursive: true, force: true });
    this.db.deleteLayer(chainId);
    if (row && !referencedDiffIds.has(row.diffId)) rmSync(this.content.path(row.diffId), { force: true });
  }

  private async existing(chainId: string): Promise<LayerRecord | undefined> {
    const row = this.db.layer(chainId);
    if (!row || !existsSync(this.path(chainId)) || !(await this.content.has(row.diffId))) return undefined;
    return { diffId: row.diffId, chainId, size: row.size };
  }

  private async dropBlobIfUnused(diffId: string): Promise<void> {
    const used = this.db.all().some((img) => img.layers.some((l) => l.diffId === diffId));
    const unpacked = this.db.layerChainIds().some((c) => this.db.layer(c)?.diffId === diffId);
    if (!used && !unpacked) await this.content.delete(diffId);
  }
}
