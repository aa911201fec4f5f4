/**
 * Image events for the daemon's EventBus, published around the image and registry ports the API calls (the
 * image store itself knows nothing of events). Docker's shapes: pull and push name the reference (id = the
 * reference, attributes.name = it too); import, load, tag, untag and delete carry the image id, with
 * attributes.name the reference concerned. Image deletes done by `image prune` (the storage port) are not
 * published.
 */
import type { ImageApi } from '../api/index.js';
import type { RegistryApi } from '../api/routes/registry.js';
import type { EventBus } from '../engine/events/index.js';

export function withImageEvents(images: ImageApi, bus: EventBus): ImageApi {
  const publish = (action: string, id: string, name: string): void => {
    bus.publish({ type: 'image', action, id, attributes: { name } });
  };
  return {
    ...images,
    async importRootfs(source, ref, opts) {
      const image = await images.importRootfs(source, ref, opts);
      publish('import', image.id, ref);
      return image;
    },
    async load(source, opts) {
      const loaded = await images.load(source, opts);
      for (const i of loaded) publish('load', i.id, i.repoTags[0] ?? i.id);
      return loaded;
    },
    tag(source, target) {
      images.tag(source, target);
      publish('tag', images.get(target).id, target);
    },
    remove(ref, opts) {
      const id = images.get(ref).id;
      const res = images.remove(ref, opts);
      for (const tag of res.untagged) publish('untag', id, tag);
      for (const deleted of res.deleted) publish('delete', deleted, ref);
      return res;
    },
  };
}

export function withRegistryEvents<T extends RegistryApi>(registry: T, bus: EventBus): T {
  const publish = (action: string, ref: string): void => {
    bus.publish({ type: 'image', action, id: ref, attributes: { name: ref } });
  };
  return {
    ...registry,
    async pull(ref, opts) {
      const res = await registry.pull(ref, opts);
      publish('pull', res.ref);
      return res;
    },
    async push(ref, opts) {
      const res = await registry.push(ref, opts);
      publish('push', res.ref);
      return res;
    },
  };
}
