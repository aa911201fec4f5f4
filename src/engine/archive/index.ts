/**
 * Safe unpacking of image layers (tar, optionally gzip) into overlayfs lower directories.
 * See unpack.ts for the contract and layer-writer.ts for the rules applied to each entry.
 */
export { unpackLayer, type UnpackOptions, type UnpackResult } from './unpack.js';
export { decompressed } from './decompress.js';
