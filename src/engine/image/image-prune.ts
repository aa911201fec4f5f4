import { run } from '../../lib/index.js';
import type { ImageService } from './image-service.js';

export interface PruneOptions {
  /** Remove every image no container uses, not only dangling (untagged) ones: `docker image prune -a`. */
  all?: boolean;
  /** Names of the containers that use an image (their rootfs stacks its layers). */
  usedBy: (imageId: string) => string[];
}

export interface PruneResult {
  /** `{ untagged }` per removed tag, `{ deleted }` per removed image id, layer chain id and stray blob. */
  imagesDeleted: ({ untagged: string } | { deleted: string })[];
  /** Bytes the content store and the layer dirs shrank by. */
  spaceReclaimed: number;
}

/**
 * `docker image prune [-a]`: remove dangling images (or, with `all`, every image no container uses), then
 * every blob and layer dir that no remaining image references. An image a container uses is never removed,
 * dangling or not: the container's rootfs stacks its layers.
 */
export async function pruneImages(images: ImageService, root: string, opts: PruneOptions): Promise<PruneResult> {
  const before = await diskBytes(root);
  const out: PruneResult['imagesDeleted'] = [];
  for (const image of images.list()) {
    if (!opts.all && image.repoTags.length > 0) continue;
    if (opts.usedBy(image.id).length > 0) continue;
    const res = images.remove(image.id, { force: true, usedBy: opts.usedBy });
    out.push(...res.untagged.map((untagged) => ({ untagged })), ...res.deleted.map((deleted) => ({ deleted })));
  }
  for (const blob of await images.sweep()) out.push({ deleted: blob });
  return { imagesDeleted: out, spaceReclaimed: Math.max(0, before - (await diskBytes(root))) };
}

/** Apparent bytes under the image store's two dirs (`du -sb`: counts each hardlinked file once). */
export async function diskBytes(root: string): Promise<number> {
  const { stdout } = await run('du', ['-scb', `${root}/content`, `${root}/layers`], { check: false });
  const total = /(\d+)\s+total\s*$/.exec(stdout.trim());
  return total?.[1] === undefined ? 0 : Number(total[1]);
}
