/** The image store as the API sees it: records become ImageInspect documents. */
import { parseChanges, type ImageService } from '../engine/image/index.js';
import type { ImageApi } from '../api/index.js';

export function imageApi(images: ImageService): ImageApi {
  return {
    list: () => images.list(),
    get: (ref) => images.get(ref),
    importRootfs: (src, ref, opts) =>
      images.importRootfs(src, ref, { signal: opts?.signal, changes: parseChanges(opts?.changes ?? []) }),
    load: (src, opts) => images.load(src, opts),
    tag: (s, t) => images.tag(s, t),
    remove: (ref, opts) => images.remove(ref, opts),
  };
}
