/** The registry routes' port, over engine/image's pull/push/save and one shared RegistryClient. */
import { pullImage, pushImage, saveImages, type ImageService } from '../engine/image/index.js';
import { parseBytes } from '../lib/index.js';
import { RegistryClient, parsePlatform, registryFromServer, type Credentials, type RegistryClientOptions } from '../engine/registry/index.js';
import type { RegistryApi } from '../api/index.js';
import type { RegistryAuth } from '../api/types.js';

export interface RegistryPort extends RegistryApi {
  close(): Promise<void>;
}

/**
 * `env` is read for PURE_REGISTRY_CHUNK_SIZE (a size: `16m`, `1m`, `512k`; `0` = never chunk): blobs larger
 * than it are pushed in chunks of that size (engine/registry/blob-upload.ts). An explicit `opts.chunkSize` wins.
 */
export function registryApi(images: ImageService, opts: RegistryClientOptions = {}, env: NodeJS.ProcessEnv = process.env): RegistryPort {
  const chunkText = env.PURE_REGISTRY_CHUNK_SIZE;
  const chunkSize = opts.chunkSize ?? (chunkText === undefined || chunkText === '' ? undefined : parseBytes(chunkText, 'PURE_REGISTRY_CHUNK_SIZE'));
  const client = new RegistryClient({ ...opts, chunkSize });
  return {
    async pull(ref, o) {
      const platform = o.platform === undefined ? undefined : parsePlatform(o.platform);
      const res = await pullImage(images, client, ref, { platform, credentials: credentials(o.auth), signal: o.signal, onProgress: o.onProgress });
      return { id: res.image.id, digest: res.digest, ref: res.ref };
    },
    push: (ref, o) => pushImage(images, client, ref, { credentials: credentials(o.auth), signal: o.signal, onProgress: o.onProgress }),
    save: (refs, o) => saveImages(images, refs, o),
    login: (server, auth, signal) => client.login(registryFromServer(server), credentials(auth) ?? {}, signal),
    close: () => client.close(),
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
