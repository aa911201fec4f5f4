/** The registry routes' port, over engine/image's pull/push/save and one shared RegistryClient. */
import { accessSync, constants } from 'node:fs';
import { pullImage, pushImage, saveImages, type ImageService } from '../engine/image/index.js';
import { parseBytes } from '../lib/index.js';
import type * as Registry from '../engine/registry/index.js';
import type { Credentials, RegistryClient, RegistryClientOptions } from '../engine/registry/index.js';
import type { RegistryApi } from '../api/index.js';
import type { RegistryAuth } from '../api/types.js';

export interface RegistryPort extends RegistryApi {
  close(): Promise<void>;
}

/**
 * `env` is read for PURE_REGISTRY_CHUNK_SIZE (a size: `16m`, `1m`, `512k`; `0` = never chunk): blobs larger
 * than it are pushed in chunks of that size (engine/registry/blob-upload.ts). An explicit `opts.chunkSize` wins.
 *
 * The registry module (and undici under it) is imported on the first pull, push or login, not at start: an
 * idle daemon that never talks to a registry does not hold it (docs/benchmarks.md, idle-memory).
 */
export function registryApi(images: ImageService, opts: RegistryClientOptions = {}, env: NodeJS.ProcessEnv = process.env): RegistryPort {
  const chunkText = env.PURE_REGISTRY_CHUNK_SIZE;
  const chunkSize = opts.chunkSize ?? (chunkText === undefined || chunkText === '' ? undefined : parseBytes(chunkText, 'PURE_REGISTRY_CHUNK_SIZE'));
  // an unreadable --registry-ca still stops the daemon at start, not at its first pull
  if (opts.caFile !== undefined) accessSync(opts.caFile, constants.R_OK);
  let loaded: Promise<{ registry: typeof Registry; client: RegistryClient }> | undefined;
  const load = () =>
    (loaded ??= import('../engine/registry/index.js').then((registry) => ({ registry, client: new registry.RegistryClient({ ...opts, chunkSize }) })));
  return {
    async pull(ref, o) {
      const { registry, client } = await load();
      const platform = o.platform === undefined ? undefined : registry.parsePlatform(o.platform);
      const res = await pullImage(images, client, ref, { platform, credentials: credentials(o.auth), signal: o.signal, onProgress: o.onProgress });
      return { id: res.image.id, digest: res.digest, ref: res.ref };
    },
    async push(ref, o) {
      const { client } = await load();
      return pushImage(images, client, ref, { credentials: credentials(o.auth), signal: o.signal, onProgress: o.onProgress });
    },
    save: (refs, o) => saveImages(images, refs, o),
    async login(server, auth, signal) {
      const { registry, client } = await load();
      return client.login(registry.registryFromServer(server), credentials(auth) ?? {}, signal);
    },
    // a client never made holds no connections
    close: async () => {
      if (loaded) await (await loaded).client.close();
    },
  };
}

function credentials(auth: RegistryAuth | undefined): Credentials | undefined {
  if (!auth) return undefined;
  const c: Credentials = {};
  if (auth.username) c.username = auth.username;
  if (auth.password !== undefined) c.password = auth.password;
  if (auth.identitytoken) c.identityToken = auth.identitytoken;
  if (auth.registrytoken) c.registryToken = auth.registrytoken;
  return Object.keys(c).length > 0 ? c : undefined;
}
