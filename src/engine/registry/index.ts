/**
 * Talking to OCI registries (distribution spec): where a repository lives, authentication, retries, and
 * the strict parsing of what a registry serves. Pull and push themselves live in engine/image, which owns
 * the store they read and write. See README.md.
 */
export { RegistryClient, type RegistryClientOptions } from './registry-client.js';
export { Repository, MAX_MANIFEST_BYTES, type RepositoryOptions, type FetchedManifest } from './repository.js';
export type { Credentials, TransportOptions } from './transport.js';
export { locate, authKeyOf, registryFromServer, isInsecure, DOCKER_HUB, type RepositoryLocation } from './hosts.js';
export { parseChallenges, type Challenge } from './challenge.js';
export { DEFAULT_CHUNK_SIZE } from './blob-upload.js';
export { withRetry, TransientError, type RetryOptions } from './retry.js';
export {
  MEDIA,
  parseManifestDocument,
  parsePlatform,
  formatPlatform,
  selectPlatform,
  type Descriptor,
  type Platform,
  type ImageManifest,
  type ImageIndex,
} from './manifest.js';
