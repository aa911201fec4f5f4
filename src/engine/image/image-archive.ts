import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InvalidArgument } from '../../errors/index.js';
import { digestHex } from '../content/index.js';
import type { Bundle } from './bundle.js';
import { parseTaggedReference } from './reference.js';
import type { OciDescriptor, OciIndex, OciManifest } from './types.js';

/** One image found in an archive, ready to install: its config bytes, tags and layer openers (lowest first). */
export interface ArchivedImage {
  configBytes: Buffer;
  repoTags: string[];
  layers: (() => Promise<Readable>)[];
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/**
 * The images in a `docker save` archive (manifest.json; legacy `<id>/layer.tar` or `blobs/sha256` layout)
 * or an OCI image layout (oci-layout + index.json). When both are present (Docker ≥ 25 writes both),
 * manifest.json wins because it carries RepoTags.
 */
export async function imagesInArchive(bundle: Bundle, platform: { os: string; architecture: string }): Promise<ArchivedImage[]> {
  if (bundle.has('manifest.json')) return dockerSave(bundle);
  if (bundle.has('index.json')) return ociLayout(bundle, platform);
  throw new InvalidArgument('not an image archive: neither manifest.json (docker save) nor index.json (OCI layout) found');
}

async function dockerSave(bundle: Bundle): Promise<ArchivedImage[]> {
  const entries = await bundle.readJson<DockerSaveEntry[]>('manifest.json');
  if (!Array.isArray(entries)) throw new InvalidArgument('invalid manifest.json: expected an array');
  const out: ArchivedImage[] = [];
  for (const e of entries) {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers)) throw new InvalidArgument('invalid manifest.json: entry without Config or Layers');
    out.push({
      configBytes: await bundle.readBytes(e.Config),
      repoTags: (e.RepoTags ?? []).map((t) => parseTaggedReference(t)),
      layers: e.Layers.map((path) => () => Promise.resolve(bundle.open(path))),
    });
  }
  return out;
}

function blobPath(digest: string): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

async function verifiedBlob(bundle: Bundle, desc: OciDescriptor): Promise<Buffer> {
  const bytes = await bundle.readBytes(blobPath(desc.digest));
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== desc.digest) throw new InvalidArgument(`OCI layout blob ${desc.digest} is corrupt: its content hashes to ${actual}`);
  return bytes;
}

async function ociLayout(bundle: Bundle, platform: { os: string; architecture: string }): Promise<ArchivedImage[]> {
  const index = await bundle.readJson<OciIndex>('index.json');
  if (!Array.isArray(index?.manifests)) throw new InvalidArgument('invalid index.json: no manifests');
  const out: ArchivedImage[] = [];
  for (const desc of index.manifests) {
    const manifest = await resolveManifest(bundle, desc, platform, 0);
    const tag = refName(desc.annotations ?? {});
    out.push({
      configBytes: await verifiedBlob(bundle, manifest.config),
      repoTags: tag === undefined ? [] : [tag],
      layers: manifest.layers.map((l) => () => Promise.resolve(bundle.open(blobPath(l.digest)))),
    });
  }
  return out;
}

/** A descriptor may name a manifest or an index of per-platform manifests: pick ours. */
async function resolveManifest(bundle: Bundle, desc: OciDescriptor, platform: { os: string; architecture: string }, depth: number): Promise<OciManifest> {
  if (depth > 4) throw new InvalidArgument('OCI layout: indexes nested too deeply');
  const doc = JSON.parse((await verifiedBlob(bundle, desc)).toString('utf8')) as OciManifest & Partial<OciIndex>;
  if (INDEX_TYPES.has(desc.mediaType) || Array.isArray(doc.manifests)) {
    const list = doc.manifests ?? [];
    const match =
      list.find((m) => m.platform?.os === platform.os && m.platform.architecture === platform.architecture) ?? (list.length === 1 ? list[0] : undefined);
    if (!match) throw new InvalidArgument(`OCI layout: no manifest for ${platform.os}/${platform.architecture} in index ${desc.digest}`);
    return resolveManifest(bundle, match, platform, depth + 1);
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw new InvalidArgument(`OCI layout: ${desc.digest} is not an image manifest`);
  return doc;
}

/**
 * The tag of an OCI layout entry. containerd/Docker write the full name in `io.containerd.image.name`;
 * `org.opencontainers.image.ref.name` is often only a tag (`latest`), which names no repository, so it is
 * used only when it is a full reference (contains `:` or `/`). Otherwise the image loads untagged.
 */
function refName(annotations: Record<string, string>): string | undefined {
  const full = annotations['io.containerd.image.name'];
  if (full !== undefined) return parseTaggedReference(full);
  const ref = annotations['org.opencontainers.image.ref.name'];
  if (ref !== undefined && /[:/]/.test(ref)) return parseTaggedReference(ref);
  return undefined;
}
