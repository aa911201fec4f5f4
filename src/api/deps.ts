/** What the API layer calls: domain services built by the daemon's composition root. */
import type { Readable } from 'node:stream';
import type { ContainerService } from '../engine/container/index.js';
import type { VolumeService } from '../engine/volume/index.js';
import type { NetworkService } from '../engine/network/index.js';
import type { ImageInspect, VersionInfo } from './types.js';
import type { RegistryApi } from './routes/registry.js';
import type { JobsApi } from './routes/jobs.js';
import type { StorageApi } from './routes/storage.js';
import type { EventBus } from '../engine/events/index.js';
import type { StackApi } from './routes/stacks.js';

export interface ImageApi {
  list(): ImageInspect[];
  get(ref: string): ImageInspect;
  importRootfs(source: Readable, ref: string, opts?: { signal?: AbortSignal; changes?: string[] }): Promise<ImageInspect>;
  load(source: Readable, opts?: { signal?: AbortSignal }): Promise<ImageInspect[]>;
  tag(source: string, target: string): void;
  remove(ref: string, opts: { force?: boolean; usedBy: (imageId: string) => string[] }): { untagged: string[]; deleted: string[] };
}

export interface ApiDeps {
  containers: ContainerService;
  images: ImageApi;
  /** Pull, push, save, login; absent in tests that need no registry. */
  registry?: RegistryApi;
  volumes: VolumeService;
  networks: NetworkService;
  /** Sandbox jobs; absent when the daemon runs without the sandbox. */
  jobs?: JobsApi;
  /** Image bootstrap, prune and system df; absent in tests that need none. */
  storage?: StorageApi;
  /** Compose stacks (src/stack); absent in tests that need none. */
  stacks?: StackApi;
  /** The daemon's event bus (GET /v1/events); absent in tests that need none. */
  events?: EventBus;
  version: () => VersionInfo;
}
