import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Conflict, InvalidArgument, NotFound, isPureError } from '../../errors/index.js';
import type { Db } from '../../state/index.js';
import { ContentStore } from '../content/index.js';
import { Bundle } from './bundle.js';
import { imagesInArchive } from './image-archive.js';
import { ImageDb } from './image-db.js';
import { LayerStore } from './layer-store.js';
import { formatReference, parseReference, parseTaggedReference } from './reference.js';
import type { Reference } from './reference.js';
import type { ImageConfig, ImageRecord, LayerRecord, OciImageConfig, OciManifest } from './types.js';

export interface ImageServiceOptions {
  /** The Pure root (PURE_ROOT): blobs in `content/`, unpacked layers in `layers/`, scratch in `tmp/`. */
  root: string;
  db: Db;
  /** Default: a ContentStore on `root`. */
  content?: ContentStore;
}

export interface ImportOptions {
  signal?: AbortSignal;
  /** Config fields to set, like `docker import --change` (default: an empty config, no Cmd). */
  changes?: Partial<ImageConfig>;
}

export interface RemoveOptions {
  force?: boolean;
  /** Names of the containers that use the image (their rootfs stacks its layers). */
  usedBy: (imageId: string) => string[];
}

export interface RemoveResult {
  untagged: string[];
  /** The image id, then the chain ids of the layer dirs that were deleted. */
  deleted: string[];
}

const NODE_TO_GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle' };

/** The OCI/Go name of this machine's architecture (`amd64` for Node's `x64`). */
export function goArch(nodeArch: string = process.arch): string {
  return NODE_TO_GOARCH[nodeArch] ?? nodeArch;
}

const HEX_PREFIX = /^[a-f0-9]{4,64}$/;
const FULL_ID = /^sha256:[a-f0-9]{64}$/;

/**
 * The local image store. An image is an OCI config blob (its digest is the image id), a manifest blob and
 * a stack of layers; names (`busybox:latest`) are tags pointing at ids. Layers are unpacked once into
 * `layers/<chain id>` and shared; `layerDirs()` gives them lowest first, ready to be overlay lowerdirs.
 * One ImageService per root: construction also recovers from a crash mid-import.
 */
export class ImageService {
  readonly content: ContentStore;
  private readonly db: ImageDb;
  private readonly layers: LayerStore;
  private readonly tmp: string;
  /** Imports and installs in progress (sweep leaves the store alone while any runs). */
  private writers = 0;

  constructor(opts: ImageServiceOptions) {
    this.content = opts.content ?? new ContentStore({ root: opts.root });
    this.db = new ImageDb(opts.db);
    this.layers = new LayerStore(opts.root, this.content, this.db);
    this.tmp = join(opts.root, 'tmp');
    mkdirSync(this.tmp, { recursive: true });
    // a bootstrap killed with the daemon can leave debootstrap's /proc and /sys mounts in its scratch dir
    unmountUnder(`${join(this.tmp, 'load-')}`);
    for (const name of readdirSync(this.tmp)) if (name.startsWith('load-')) rmSync(join(this.tmp, name), { recursive: true, force: true });
    const images = this.db.all();
    this.layers.recover(new Set(images.flatMap((i) => i.layers.map((l) => l.chainId))), new Set(images.flatMap((i) => i.layers.map((l) => l.diffId))));
  }

  /** `docker import`: the tarball (plain or gzip) becomes a one-layer image tagged `ref`. */
  async importRootfs(source: Readable, ref: string, opts: ImportOptions = {}): Promise<ImageRecord> {
    return this.writing(() => this.importRootfsNow(source, ref, opts));
  }

  private async importRootfsNow(source: Readable, ref: string, opts: ImportOptions): Promise<ImageRecord> {
    const tag = parseTaggedReference(ref);
    let layer: LayerRecord;
    try {
      layer = await this.layers.add(undefined, () => Promise.resolve(source), { signal: opts.signal });
    } catch (e) {
      throw withContext(`cannot import "${ref}"`, e);
    }
    const created = new Date().toISOString();
    const config: OciImageConfig = {
      created,
      architecture: goArch(),
      os: 'linux',
      config: { ...opts.changes },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, created_by: 'pure import', comment: 'imported from a tarball' }],
    };
    return this.commit(Buffer.from(JSON.stringify(config)), [layer], [tag]);
  }

  /** `docker load`: every image in a `docker save` archive or an OCI image layout archive (plain or gzip). */
  async load(source: Readable, opts: { signal?: AbortSignal } = {}): Promise<ImageRecord[]> {
    const dir = await mkdtemp(join(this.tmp, 'load-'));
    try {
      const bundle = await Bundle.read(source, dir, opts.signal);
      const images = await imagesInArchive(bundle, { os: 'linux', architecture: goArch() });
      const out: ImageRecord[] = [];
      for (const img of images) out.push(await this.install(img.configBytes, img.layers, img.repoTags, opts));
      return out;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Add an image from its config bytes and one opener per layer (lowest first; plain or gzip tar), e.g. from
   * a registry pull. Each layer is checked against the config's `rootfs.diff_ids`; present layers are reused.
   */
  async install(
    configBytes: Buffer,
    layers: readonly (() => Promise<Readable>)[],
    repoTags: readonly string[],
    opts: { signal?: AbortSignal; repoDigests?: readonly string[] } = {},
  ): Promise<ImageRecord> {
    return this.writing(() => this.installNow(configBytes, layers, repoTags, opts));
  }

  private async installNow(
    configBytes: Buffer,
    layers: readonly (() => Promise<Readable>)[],
    repoTags: readonly string[],
    opts: { signal?: AbortSignal; repoDigests?: readonly string[] },
  ): Promise<ImageRecord> {
    const id = sha256(configBytes);
    const config = parseConfig(id, configBytes);
    if (config.rootfs.diff_ids.length !== layers.length) {
      throw new InvalidArgument(`image ${id}: the config lists ${config.rootfs.diff_ids.length} layers, the archive has ${layers.length}`);
    }
    const added: LayerRecord[] = [];
    try {
      let parent: string | undefined;
      for (const [i, open] of layers.entries()) {
        const layer = await this.layers.add(parent, open, { expectedDiffId: config.rootfs.diff_ids[i], signal: opts.signal });
        added.push(layer);
        parent = layer.chainId;
      }
    } catch (e) {
      this.dropUnreferencedLayers(added);
      throw withContext(`cannot add image ${id}`, e);
    }
    return this.commit(configBytes, added, repoTags.map((t) => parseTaggedReference(t)), opts.repoDigests);
  }

  /** A private scratch directory under `<root>/tmp` (a pull's staged blobs); removed by the next start if left. */
  async scratchDir(): Promise<string> {
    return mkdtemp(join(this.tmp, 'load-'));
  }

  list(): ImageRecord[] {
    return this.db.all();
  }

  /** By `name[:tag]`, `name@digest`, full id, hex id, or a unique id prefix of ≥ 4 hex chars. */
  get(ref: string): ImageRecord {
    const id = this.resolve(ref);
    const image = id === undefined ? undefined : this.db.byId(id);
    if (!image) throw new NotFound(`no such image: "${ref}"`);
    return image;
  }

  tag(source: string, target: string): void {
    const image = this.get(source);
    this.db.setTag(parseTaggedReference(target), image.id);
  }

  /** `docker rmi` semantics: see RemoveOptions; returns what was untagged and deleted. */
  remove(ref: string, opts: RemoveOptions): RemoveResult {
    const image = this.get(ref);
    const named = tryParse(ref);
    const tagRef = named && named.digest === undefined ? formatReference(named) : undefined;
    const byTag = tagRef !== undefined && image.repoTags.includes(tagRef);
    if (byTag && image.repoTags.length > 1) {
      this.db.untag(tagRef);
      return { untagged: [tagRef], deleted: [] };
    }
    if (!byTag && image.repoTags.length > 1 && opts.force !== true) {
      throw new Conflict(`cannot remove image "${ref}": it is tagged as ${image.repoTags.join(', ')} (remove the tags, or use -f)`);
    }
    const users = opts.usedBy(image.id);
    if (users.length > 0) {
      if (opts.force !== true) throw new Conflict(`cannot remove image "${ref}": it is used by container "${users[0] ?? ''}" (use -f)`);
      // Forced: untag only. The data stays (dangling) because running containers stack its layer dirs.
      for (const t of image.repoTags) this.db.untag(t);
      return { untagged: image.repoTags, deleted: [] };
    }
    for (const t of image.repoTags) this.db.untag(t);
    this.db.deleteImage(image.id);
    return { untagged: image.repoTags, deleted: [image.id, ...this.dropUnreferencedLayers(image.layers, image)] };
  }

  /**
   * Delete blobs and layer dirs that no image references (an interrupted import's, a forced rmi's); returns
   * the blobs deleted. Does nothing while an import or install runs: its blobs are not recorded yet.
   */
  async sweep(): Promise<string[]> {
    const blobs = await this.content.list();
    if (this.writers > 0) return [];
    // from here on synchronous: no import can start between the check and the deletes
    const images = this.db.all();
    const keep = new Set(images.flatMap((i) => [i.id, i.manifestDigest, ...i.layers.map((l) => l.diffId)]));
    this.layers.recover(new Set(images.flatMap((i) => i.layers.map((l) => l.chainId))), keep);
    const deleted = blobs.filter((b) => !keep.has(b));
    for (const b of deleted) rmSync(this.content.path(b), { force: true });
    return deleted;
  }

  /** The image's unpacked layer dirs, lowest first (overlayfs wants `lowerdir=` highest first: reverse it). */
  layerDirs(image: ImageRecord): string[] {
    return image.layers.map((l) => this.layers.path(l.chainId));
  }

  private async commit(configBytes: Buffer, layers: LayerRecord[], tags: string[], repoDigests: readonly string[] = []): Promise<ImageRecord> {
    const id = sha256(configBytes);
    const config = parseConfig(id, configBytes);
    await this.content.write(configBytes, { digest: id });
    const manifest: OciManifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: configBytes.length },
      layers: await Promise.all(
        layers.map(async (l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.diffId, size: await blobSize(this.content, l.diffId) })),
      ),
    };
    const manifestBlob = await this.content.write(Buffer.from(JSON.stringify(manifest)));
    const record: ImageRecord = {
      id,
      repoTags: [],
      created: config.created ?? new Date(0).toISOString(),
      size: layers.reduce((n, l) => n + l.size, 0),
      architecture: config.architecture,
      os: config.os,
      config: config.config ?? {},
      layers,
      manifestDigest: manifestBlob.digest,
    };
    this.db.save(record, tags, repoDigests);
    return this.get(id);
  }

  private async writing<T>(task: () => Promise<T>): Promise<T> {
    this.writers++;
    try {
      return await task();
    } finally {
      this.writers--;
    }
  }

  private resolve(ref: string): string | undefined {
    if (FULL_ID.test(ref)) return ref;
    const named = tryParse(ref);
    if (named?.digest !== undefined) {
      return this.db.digestTarget(`${named.name}@${named.digest}`) ?? this.db.byManifest(named.digest) ?? (this.db.byId(named.digest) ? named.digest : undefined);
    }
    const tagged = named && this.db.tagTarget(formatReference(named));
    if (tagged !== undefined) return tagged;
    if (HEX_PREFIX.test(ref)) {
      const ids = this.db.idsWithPrefix(ref);
      if (ids.length > 1) throw new InvalidArgument(`ambiguous image id prefix "${ref}": it matches ${ids.length} images`);
      if (ids.length === 1) return ids[0];
    }
    if (!named) parseReference(ref); // throws the InvalidArgument that explains the bad reference
    return undefined;
  }

  /** Delete the layers (and blobs) in `candidates` that no remaining image uses; returns deleted chain ids. */
  private dropUnreferencedLayers(candidates: readonly LayerRecord[], removed?: ImageRecord): string[] {
    const images = this.db.all();
    const chainIds = new Set(images.flatMap((i) => i.layers.map((l) => l.chainId)));
    const diffIds = new Set(images.flatMap((i) => i.layers.map((l) => l.diffId)));
    const deleted: string[] = [];
    for (const l of candidates) {
      if (chainIds.has(l.chainId) || deleted.includes(l.chainId)) continue;
      this.layers.removeUnreferenced(l.chainId, diffIds);
      deleted.push(l.chainId);
    }
    if (removed) {
      rmSync(this.content.path(removed.id), { force: true });
      if (!images.some((i) => i.manifestDigest === removed.manifestDigest)) rmSync(this.content.path(removed.manifestDigest), { force: true });
    }
    return deleted;
  }
}

/** Lazily unmount every mount whose path starts with `prefix`, deepest first (mountinfo's 5th field). */
function unmountUnder(prefix: string): void {
  const targets = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((t) => t.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const t of targets) spawnSync('umount', ['-l', t], { stdio: 'ignore' });
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function blobSize(content: ContentStore, digest: string): Promise<number> {
  return (await stat(content.path(digest))).size;
}

function tryParse(ref: string): Reference | undefined {
  try {
    return parseReference(ref);
  } catch {
    return undefined;
  }
}

function parseConfig(id: string, bytes: Buffer): OciImageConfig {
  let config: OciImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as OciImageConfig;
  } catch (e) {
    throw new InvalidArgument(`image config ${id} is not valid JSON`, { cause: e });
  }
  const diffIds = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && FULL_ID.test(d))) {
    throw new InvalidArgument(`image config ${id} has no valid rootfs.diff_ids`);
  }
  if (typeof config.architecture !== 'string' || typeof config.os !== 'string') {
    throw new InvalidArgument(`image config ${id} lacks architecture or os`);
  }
  return config;
}

/** Keep the error's class (and so its code), adding what was being done. */
function withContext(what: string, e: unknown): unknown {
  if (isPureError(e) && e.code === 'invalid_argument') return new InvalidArgument(`${what}: ${e.message}`, { cause: e });
  return e;
}
