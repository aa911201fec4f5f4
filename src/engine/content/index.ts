/** The content-addressable blob store: `<root>/content/blobs/sha256/<hex>`. */
export { ContentStore, type ContentStoreOptions, type BlobInfo } from './content-store.js';
export { digestHex, isDigest } from './digest.js';
