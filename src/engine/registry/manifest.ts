/**
 * The documents a registry serves (OCI image spec / Docker v2 schema 2): image manifests, and indexes
 * (manifest lists) that point at one manifest per platform. Parsing is strict: a registry is not trusted,
 * so anything Pure cannot use is refused here with the reason, before a single blob is fetched.
 */
import { InvalidArgument } from '../../errors/index.js';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** What Pure asks for on a manifest GET, best first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

const MANIFEST_TYPES = new Set<string>([MEDIA.ociManifest, MEDIA.dockerManifest]);
const INDEX_TYPES = new Set<string>([MEDIA.ociIndex, MEDIA.dockerList]);
const CONFIG_TYPES = new Set<string>([MEDIA.ociConfig, MEDIA.dockerConfig]);

/**
 * Layer media types Pure unpacks: plain, gzip and zstd tars (the bytes are sniffed anyway, see
 * engine/archive/decompress.ts). Docker schema 2 has no zstd type of its own: Docker and containerd use the
 * OCI one (`tar+zstd`) in Docker manifests too, and it is accepted there as well.
 */
const LAYER_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
]);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parse a manifest or index; `contentType` is the registry's Content-Type, used when the body has no mediaType. */
export function parseManifestDocument(bytes: Buffer, contentType: string | undefined): ImageManifest | ImageIndex {
  let doc: { schemaVersion?: unknown; mediaType?: unknown; config?: unknown; layers?: unknown; manifests?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new InvalidArgument(`the manifest is not JSON (content type ${contentType ?? 'none'})`);
  }
  if (doc === null || typeof doc !== 'object') throw new InvalidArgument('the manifest is not a JSON object');
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  if (doc.schemaVersion === 1 || declared === MEDIA.dockerSchema1 || declared === MEDIA.dockerSchema1Signed) {
    throw new InvalidArgument('Docker schema 1 manifests are not supported (deprecated since 2017; repush the image)');
  }
  if (doc.schemaVersion !== 2) throw new InvalidArgument(`unsupported manifest schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  const isIndex = declared !== undefined && INDEX_TYPES.has(declared) ? true : declared !== undefined && MANIFEST_TYPES.has(declared) ? false : Array.isArray(doc.manifests);
  if (declared !== undefined && !INDEX_TYPES.has(declared) && !MANIFEST_TYPES.has(declared) && declared !== 'application/json') {
    throw new InvalidArgument(`unsupported manifest media type "${declared}"`);
  }
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw new InvalidArgument('the image index has no manifests');
    return { kind: 'index', mediaType: declared ?? MEDIA.ociIndex, manifests: doc.manifests.map((d, i) => descriptor(d, `manifests[${i}]`)) };
  }
  if (!Array.isArray(doc.layers)) throw new InvalidArgument('the image manifest has no layers');
  const config = descriptor(doc.config, 'config');
  if (!CONFIG_TYPES.has(config.mediaType)) throw new InvalidArgument(`unsupported config media type "${config.mediaType}" (not a container image)`);
  const layers = doc.layers.map((d, i) => descriptor(d, `layers[${i}]`));
  for (const l of layers) checkLayer(l);
  return { kind: 'manifest', mediaType: declared ?? MEDIA.ociManifest, config, layers };
}

function checkLayer(l: Descriptor): void {
  if (l.urls !== undefined && l.urls.length > 0) throw new InvalidArgument(`layer ${l.digest} is a foreign layer (fetched from ${l.urls[0] ?? '?'}): not supported`);
  if (!LAYER_TYPES.has(l.mediaType)) throw new InvalidArgument(`unsupported layer media type "${l.mediaType}" (layer ${l.digest})`);
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (d === null || typeof d !== 'object') throw new InvalidArgument(`manifest ${where}: not a descriptor`);
  if (typeof d.mediaType !== 'string') throw new InvalidArgument(`manifest ${where}: no mediaType`);
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) {
    throw new InvalidArgument(`manifest ${where}: unsupported digest ${JSON.stringify(d.digest)} (only sha256)`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw new InvalidArgument(`manifest ${where}: bad size ${JSON.stringify(d.size)}`);
  return d as Descriptor;
}

/** `linux/amd64`, `linux/arm64/v8`, `amd64` (os defaults to linux). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length === 1 && parts[0]) return { os: 'linux', architecture: parts[0] };
  const [os, architecture, variant, ...rest] = parts;
  if (!os || !architecture || rest.length > 0 || variant === '') throw new InvalidArgument(`invalid --platform "${text}": expected os/arch[/variant]`);
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined).join('/');
}

/** arm64's default variant is v8 and arm's is v7, as containerd's platforms matcher normalises them. */
function variantOf(p: Platform): string | undefined {
  if (p.variant !== undefined) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  if (p.architecture === 'arm') return 'v7';
  return undefined;
}

/** The index entry for `want`: same os and architecture, and the same variant when either side has one. */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor {
  const usable = index.manifests.filter((d) => MANIFEST_TYPES.has(d.mediaType) || INDEX_TYPES.has(d.mediaType));
  const match = usable.find((d) => d.platform?.os === want.os && d.platform.architecture === want.architecture && variantOf(d.platform) === variantOf(want));
  if (match) return match;
  const offered = usable.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')).join(', ');
  throw new InvalidArgument(`no image for ${formatPlatform(want)} in the index (it has: ${offered || 'nothing'})`);
}
