/**
 * The local image store: images (config + manifest blobs, tags) over shared unpacked layers.
 *
 * Vocabulary: a layer's *diff id* is the sha256 of its uncompressed tar; its *chain id* names the stack
 * of layers up to it (OCI image spec) and is the name of its unpacked dir `layers/<hex>`; the *image id*
 * is the sha256 of the config blob. See image-service.ts.
 */
import type * as ImagePull from './image-pull.js';
import type * as ImagePush from './image-push.js';

export { ImageService, goArch, type ImageServiceOptions, type ImportOptions, type RemoveOptions, type RemoveResult } from './image-service.js';
export { parseReference, formatReference, parseTaggedReference, type Reference } from './reference.js';
export { chainIdOf } from './layer-store.js';
export type { ImageConfig, ImageRecord, LayerRecord, OciImageConfig, OciManifest, OciIndex, OciDescriptor } from './types.js';
export { parseChanges } from './changes.js';
export type { PullOptions, PullResult } from './image-pull.js';
export type { TransferEvent, ProgressSink } from './transfer-progress.js';
export type { PushOptions, PushResult } from './image-push.js';
export { saveImages, type SaveOptions } from './image-save.js';
export { pruneImages, diskBytes, type PruneOptions, type PruneResult } from './image-prune.js';

// Pull and push bring in the registry client and, through it, undici (~10 MiB of a daemon's RSS): they are
// imported on first use, so a daemon that never talks to a registry never loads them.
/** Pull an image into the store (image-pull.ts). */
export const pullImage: typeof ImagePull.pullImage = async (...args) => (await import('./image-pull.js')).pullImage(...args);
/** Push an image from the store (image-push.ts). */
export const pushImage: typeof ImagePush.pushImage = async (...args) => (await import('./image-push.js')).pushImage(...args);
