import { run } from '../../lib/index.js';

/** One row of `pure system df`: docker's TYPE / TOTAL / ACTIVE / SIZE / RECLAIMABLE. */
export interface UsageRow {
  total: number;
  active: number;
  /** Bytes. */
  size: number;
  /** Bytes that pruning what is not active would free. */
  reclaimable: number;
}

export interface DiskUsage {
  images: UsageRow;
  containers: UsageRow;
  volumes: UsageRow;
  /** Pure has no builder yet: always zero, kept so the table reads like docker's. */
  buildCache: UsageRow;
}

/** What disk usage reads, as plain views (built by the daemon from the image, container and volume services). */
export interface DiskUsageSources {
  images: () => { id: string; layers: { chainId: string; size: number }[] }[];
  containers: () => { id: string; imageId: string; running: boolean }[];
  /** The dir that holds a container's writable layer (its rootfs mount is skipped: `du -x`). */
  containerDir: (id: string) => string;
  volumes: () => { name: string; dataDir: string; inUse: boolean }[];
}

/**
 * Image sizes count each shared layer once (`docker system df` does the same); a layer is reclaimable when no
 * image a container uses stacks it. Container and volume sizes are what `du` finds on disk.
 */
export async function diskUsage(src: DiskUsageSources): Promise<DiskUsage> {
  const containers = src.containers();
  const usedImages = new Set(containers.map((c) => c.imageId));
  const images = src.images();
  const layerSize = new Map<string, number>();
  const activeLayers = new Set<string>();
  for (const image of images) {
    for (const l of image.layers) {
      layerSize.set(l.chainId, l.size);
      if (usedImages.has(image.id)) activeLayers.add(l.chainId);
    }
  }
  const imageBytes = sum([...layerSize.values()]);
  const activeImageBytes = sum([...activeLayers].map((c) => layerSize.get(c) ?? 0));

  const ctrSizes = await Promise.all(containers.map((c) => duBytes(src.containerDir(c.id))));
  const volumes = src.volumes();
  const volSizes = await Promise.all(volumes.map((v) => duBytes(v.dataDir)));
  return {
    images: { total: images.length, active: images.filter((i) => usedImages.has(i.id)).length, size: imageBytes, reclaimable: imageBytes - activeImageBytes },
    containers: {
      total: containers.length,
      active: containers.filter((c) => c.running).length,
      size: sum(ctrSizes),
      reclaimable: sum(ctrSizes.filter((_, i) => containers[i]?.running !== true)),
    },
    volumes: {
      total: volumes.length,
      active: volumes.filter((v) => v.inUse).length,
      size: sum(volSizes),
      reclaimable: sum(volSizes.filter((_, i) => volumes[i]?.inUse !== true)),
    },
    buildCache: { total: 0, active: 0, size: 0, reclaimable: 0 },
  };
}

/** Apparent bytes under `dir` on its own filesystem (a mounted overlay rootfs is not the container's disk). */
export async function duBytes(dir: string): Promise<number> {
  const { stdout } = await run('du', ['-sbx', dir], { check: false });
  const n = Number(/^(\d+)/.exec(stdout)?.[1] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

function sum(ns: readonly number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}
