/**
 * `pure push`: the image's blobs (config and layers, as Pure stores them: uncompressed tars), then its
 * manifest, to a registry. Blobs the repository already has are skipped (HEAD); blobs the registry holds in
 * another repository this image came from or went to are mounted instead of uploaded; the rest are uploaded
 * (POST, then one PUT with the digest, or PATCH chunks and a closing PUT for blobs larger than the chunk
 * size: engine/registry/blob-upload.ts). The manifest goes last, so a registry never names an
 * image whose blobs it does not have. The pushed manifest is byte for byte the one Pure stored: its digest
 * is the image's `manifestDigest`, so `name@digest` resolves locally and remotely alike.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { InvalidArgument } from '../../errors/index.js';
import { locate, type Credentials, type RegistryClient, type Repository } from '../registry/index.js';
import { withRef } from './image-pull.js';
import type { ImageService } from './image-service.js';
import { formatReference, parseReference } from './reference.js';
import { limiter, shortDigest, throttledCounter, type ProgressSink } from './transfer-progress.js';
import type { ImageRecord, OciDescriptor, OciManifest } from './types.js';

export interface PushOptions {
  credentials?: Credentials;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Blobs uploaded at once. Default 3. */
  concurrency?: number;
}

export interface PushResult {
  ref: string;
  digest: string;
  size: number;
}

export async function pushImage(images: ImageService, registry: RegistryClient, refText: string, opts: PushOptions = {}): Promise<PushResult> {
  const ref = parseReference(refText);
  const shown = formatReference(ref);
  const progress = opts.onProgress ?? (() => undefined);
  try {
    if (ref.digest !== undefined) throw new InvalidArgument('push a tag, not a digest');
    const image = images.get(shown);
    const bytes = await readFile(images.content.path(image.manifestDigest));
    const manifest = JSON.parse(bytes.toString('utf8')) as OciManifest;
    const repo = registry.repository(ref.name, { push: true, credentials: opts.credentials, signal: opts.signal });
    const sources = mountSources(image, ref.name);
    const limit = limiter(opts.concurrency ?? 3);
    const uploads = [manifest.config, ...manifest.layers].map((desc) => limit(() => pushBlob(images, repo, desc, sources, progress)));
    // every upload settles before the error (if any) is reported: nothing keeps running behind the caller
    const results = await Promise.allSettled(uploads);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const digest = await repo.putManifest(ref.tag ?? 'latest', manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', bytes);
    progress({ status: 'done', message: `${ref.tag ?? 'latest'}: digest: ${digest} size: ${bytes.length}` });
    return { ref: shown, digest, size: bytes.length };
  } catch (e) {
    throw withRef(`cannot push "${shown}"`, e, opts.signal);
  }
}

/** Other repositories of the same registry this image is known under: candidates for a cross-repo mount. */
function mountSources(image: ImageRecord, name: string): string[] {
  const target = locate(name);
  const names = [...image.repoTags, ...(image.repoDigests ?? [])].map((r) => parseReference(r).name);
  const out = new Set<string>();
  for (const n of names) {
    const loc = locate(n);
    if (loc.registry === target.registry && loc.repository !== target.repository) out.add(loc.repository);
  }
  return [...out];
}

async function pushBlob(images: ImageService, repo: Repository, desc: OciDescriptor, sources: readonly string[], progress: ProgressSink): Promise<void> {
  const id = shortDigest(desc.digest);
  if (await repo.hasBlob(desc.digest)) {
    progress({ status: 'exists', id });
    return;
  }
  const mounted = await repo.retry(async () => {
    let location: string | undefined;
    for (const from of sources) {
      const started = await repo.startUpload({ digest: desc.digest, repository: from });
      if (started.mounted) {
        progress({ status: 'mounted', id, message: `Mounted from ${from}` });
        return true;
      }
      location = started.location;
      break; // the registry did not mount it: it opened an upload instead, use that
    }
    if (location === undefined) {
      const started = await repo.startUpload();
      if (started.mounted) return true;
      location = started.location;
    }
    await repo.putBlob(location, desc, () => counted(createReadStream(images.content.path(desc.digest)), (current) => progress({ status: 'pushing', id, current, total: desc.size })));
    return false;
  });
  if (!mounted) progress({ status: 'pushed', id });
}

function counted(source: Readable, report: (bytes: number) => void): Readable {
  const counter = throttledCounter(report);
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.add(chunk.length);
      done(null, chunk);
    },
    flush(done) {
      counter.flush();
      done();
    },
  });
  source.on('error', (e) => t.destroy(e));
  t.on('error', () => undefined); // the uploader sees it as a failed body; never an uncaught exception
  return source.pipe(t);
}
