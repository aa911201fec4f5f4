/** The registry routes' port, over engine/image's pull/push/save and one shared RegistryClient. */
import { pullImage, pushImage, saveImages, type ImageService } from '../engine/image/index.js';
import { RegistryClient, parsePlatform, registryFromServer, type Credentials, type RegistryClientOptions } from '../engine/registry/index.js';
import type { RegistryApi } from '../api/index.js';
import type { RegistryAuth } from '../api/types.js';

export interface RegistryPort extends RegistryApi {
  close(): Promise<void>;
}

export function registryApi(images: ImageService, opts: RegistryClientOptions = {}): RegistryPort {
  const client = new RegistryClient(opts);
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
