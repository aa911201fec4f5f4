/**
 * The local image store: images (config + manifest blobs, tags) over shared unpacked layers.
 *
 * Vocabulary: a layer's *diff id* is the sha256 of its uncompressed tar; its *chain id* names the stack
 * of layers up to it (OCI image spec) and is the name of its unpacked dir `layers/<hex>`; the *image id*
 * is the sha256 of the config blob. See image-service.ts.
 */
export { ImageService, goArch, type ImageServiceOptions, type ImportOptions, type RemoveOptions, type RemoveResult } from './image-service.js';
export { parseReference, formatReference, parseTaggedReference, type Reference } from './reference.js';
export { chainIdOf } from './layer-store.js';
export type { ImageConfig, ImageRecord, LayerRecord, OciImageConfig, OciManifest, OciIndex, OciDescriptor } from './types.js';
export { parseChanges } from './changes.js';
export { pullImage, type PullOptions, type PullResult } from './image-pull.js';
export type { TransferEvent, ProgressSink } from './transfer-progress.js';
export { pushImage, type PushOptions, type PushResult } from './image-push.js';
export { saveImages, type SaveOptions } from './image-save.js';
export { pruneImages, diskBytes, type PruneOptions, type PruneResult } from './image-prune.js';
