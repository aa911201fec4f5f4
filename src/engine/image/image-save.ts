/**
 * `pure save`: images as one tar stream, in the layout Docker ≥ 25 writes (and `docker load` accepts): an
 * OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) plus Docker's `manifest.json` pointing
 * into the same blobs. `--format oci` leaves `manifest.json` out (a pure OCI layout, for skopeo or umoci).
 * Blobs are streamed from the content store; a blob shared by several images is written once.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Pack } from 'tar-stream';
import { digestHex } from '../content/index.js';
import type { ImageService } from './image-service.js';
import { formatReference, parseReference } from './reference.js';
import type { ImageRecord, OciManifest } from './types.js';

export interface SaveOptions {
  /** `docker` (the default): OCI layout + manifest.json; `oci`: the OCI layout alone. */
  format?: 'docker' | 'oci';
}

interface Saved {
  image: ImageRecord;
  /** The tag asked for (saved with the image), or none when it was named by id. */
  tags: string[];
}

/** Resolve every reference first (a bad one fails before any byte is sent), then stream the archive. */
export function saveImages(images: ImageService, refs: readonly string[], opts: SaveOptions = {}): Readable {
  const saved: Saved[] = refs.map((r) => {
    const image = images.get(r);
    const tag = tagOf(r);
    return { image, tags: tag !== undefined && image.repoTags.includes(tag) ? [tag] : [] };
  });
  // tar-stream is loaded by the first save, not by the daemon's start (idle RSS). Its pack is a streamx
  // stream: Node's Readable around it is what HTTP replies and pipes expect.
  async function* archive(): AsyncGenerator<Buffer> {
    const tar = (await import('tar-stream')).pack();
    void write(images, saved, opts.format ?? 'docker', tar).catch((e: unknown) => tar.destroy(e instanceof Error ? e : new Error(String(e))));
    yield* tar as AsyncIterable<Buffer>;
  }
  return Readable.from(archive(), { objectMode: false });
}

function tagOf(ref: string): string | undefined {
  try {
    const r = parseReference(ref);
    return r.digest === undefined ? formatReference(r) : undefined;
  } catch {
    return undefined;
  }
}

async function write(images: ImageService, saved: readonly Saved[], format: 'docker' | 'oci', tar: Pack): Promise<void> {
  const written = new Set<string>();
  const blob = async (digest: string): Promise<string> => {
    const name = `blobs/sha256/${digestHex(digest)}`;
    if (written.has(digest)) return name;
    written.add(digest);
    const path = images.content.path(digest);
    const size = (await stat(path)).size;
    await new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ name, size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve()));
      const src = createReadStream(path);
      src.once('error', reject);
      src.pipe(entry);
    });
    return name;
  };
  const text = (name: string, body: string): Promise<void> =>
    new Promise((resolve, reject) => tar.entry({ name, mode: 0o644, mtime: new Date(0) }, body, (err) => (err ? reject(err) : resolve())));

  await text('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index: { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }[] = [];
  const dockerManifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  for (const { image, tags } of saved) {
    const manifest = await images.content.readJson<OciManifest>(image.manifestDigest);
    const config = await blob(manifest.config.digest);
    const layers: string[] = [];
    for (const l of manifest.layers) layers.push(await blob(l.digest));
    await blob(image.manifestDigest);
    const size = (await stat(images.content.path(image.manifestDigest))).size;
    const entry = { mediaType: manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size };
    if (tags.length === 0) index.push(entry);
    for (const t of tags) {
      const ref = parseReference(t);
      index.push({ ...entry, annotations: { 'io.containerd.image.name': t, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest' } });
    }
    dockerManifest.push({ Config: config, RepoTags: tags, Layers: layers });
  }
  await text('index.json', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index }));
  if (format === 'docker') await text('manifest.json', JSON.stringify(dockerManifest));
  tar.finalize();
}
