import type { Db } from '../../state/index.js';
import { migrate, statement } from '../../state/index.js';
import type { ImageConfig, ImageRecord, LayerRecord } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE images (
     id TEXT PRIMARY KEY,
     manifest_digest TEXT NOT NULL,
     created TEXT NOT NULL,
     architecture TEXT NOT NULL,
     os TEXT NOT NULL,
     config TEXT NOT NULL,
     layers TEXT NOT NULL,
     size INTEGER NOT NULL);
   CREATE TABLE image_tags (
     ref TEXT PRIMARY KEY,
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
   CREATE INDEX image_tags_by_image ON image_tags(image_id);
   CREATE TABLE image_layers (
     chain_id TEXT PRIMARY KEY,
     diff_id TEXT NOT NULL,
     size INTEGER NOT NULL);`,
  // Pure stores its own manifest (uncompressed layers), so the digest a registry served is kept beside it:
  // `name@sha256:…` resolves to the image it was pulled as (docker's RepoDigests).
  `CREATE TABLE image_digests (
     ref TEXT PRIMARY KEY,
     image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE);
   CREATE INDEX image_digests_by_image ON image_digests(image_id);`,
];

interface ImageRow {
  id: string;
  manifest_digest: string;
  created: string;
  architecture: string;
  os: string;
  config: string;
  layers: string;
  size: number;
}

/** The image tables: records, tags (familiar `name:tag` → image id) and the unpacked layers that exist. */
export class ImageDb {
  constructor(private readonly db: Db) {
    migrate(db, 'image', MIGRATIONS);
  }

  all(): ImageRecord[] {
    const rows = statement(this.db, 'SELECT * FROM images ORDER BY created DESC, id').all() as ImageRow[];
    const tags = statement(this.db, 'SELECT ref, image_id FROM image_tags ORDER BY ref').all() as { ref: string; image_id: string }[];
    const digests = statement(this.db, 'SELECT ref, image_id FROM image_digests ORDER BY ref').all() as { ref: string; image_id: string }[];
    return rows.map((r) => withDigests(toRecord(r, tags.filter((t) => t.image_id === r.id).map((t) => t.ref)), digests.filter((d) => d.image_id === r.id).map((d) => d.ref)));
  }

  byId(id: string): ImageRecord | undefined {
    const row = statement(this.db, 'SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && withDigests(toRecord(row, this.tagsOf(id)), this.digestsOf(id));
  }

  idsWithPrefix(hexPrefix: string): string[] {
    const rows = statement(this.db, "SELECT id FROM images WHERE substr(id, 8, ?) = ?").all(hexPrefix.length, hexPrefix) as { id: string }[];
    return rows.map((r) => r.id);
  }

  byManifest(digest: string): string | undefined {
    const row = statement(this.db, 'SELECT id FROM images WHERE manifest_digest = ?').get(digest) as { id: string } | undefined;
    return row?.id;
  }

  tagTarget(ref: string): string | undefined {
    const row = statement(this.db, 'SELECT image_id FROM image_tags WHERE ref = ?').get(ref) as { image_id: string } | undefined;
    return row?.image_id;
  }

  tagsOf(id: string): string[] {
    const rows = statement(this.db, 'SELECT ref FROM image_tags WHERE image_id = ? ORDER BY ref').all(id) as { ref: string }[];
    return rows.map((r) => r.ref);
  }

  /** `name@sha256:…` as pulled from a registry → image id. */
  digestTarget(ref: string): string | undefined {
    const row = statement(this.db, 'SELECT image_id FROM image_digests WHERE ref = ?').get(ref) as { image_id: string } | undefined;
    return row?.image_id;
  }

  digestsOf(id: string): string[] {
    const rows = statement(this.db, 'SELECT ref FROM image_digests WHERE image_id = ? ORDER BY ref').all(id) as { ref: string }[];
    return rows.map((r) => r.ref);
  }

  /** Insert (or keep) the image and point each tag at it, taking tags away from other images. */
  save(image: ImageRecord, tags: readonly string[], repoDigests: readonly string[] = []): void {
    this.db.transaction(() => {
      statement(this.db, 
          `INSERT OR IGNORE INTO images (id, manifest_digest, created, architecture, os, config, layers, size)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(image.id, image.manifestDigest, image.created, image.architecture, image.os, JSON.stringify(image.config), JSON.stringify(image.layers), image.size);
      for (const t of tags) this.setTag(t, image.id);
      for (const d of repoDigests) {
        statement(this.db, 'INSERT INTO image_digests (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id').run(d, image.id);
      }
    })();
  }

  setTag(ref: string, id: string): void {
    statement(this.db, 'INSERT INTO image_tags (ref, image_id) VALUES (?, ?) ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id').run(ref, id);
  }

  untag(ref: string): void {
    statement(this.db, 'DELETE FROM image_tags WHERE ref = ?').run(ref);
  }

  deleteImage(id: string): void {
    statement(this.db, 'DELETE FROM images WHERE id = ?').run(id);
  }

  layer(chainId: string): { diffId: string; size: number } | undefined {
    const row = statement(this.db, 'SELECT diff_id, size FROM image_layers WHERE chain_id = ?').get(chainId) as { diff_id: string; size: number } | undefined;
    return row && { diffId: row.diff_id, size: row.size };
  }

  addLayer(layer: LayerRecord): void {
    statement(this.db, 'INSERT OR REPLACE INTO image_layers (chain_id, diff_id, size) VALUES (?, ?, ?)').run(layer.chainId, layer.diffId, layer.size);
  }

  deleteLayer(chainId: string): void {
    statement(this.db, 'DELETE FROM image_layers WHERE chain_id = ?').run(chainId);
  }

  layerChainIds(): string[] {
    return (statement(this.db, 'SELECT chain_id FROM image_layers').all() as { chain_id: string }[]).map((r) => r.chain_id);
  }
}

function withDigests(image: ImageRecord, repoDigests: string[]): ImageRecord {
  if (repoDigests.length > 0) image.repoDigests = repoDigests;
  return image;
}

function toRecord(r: ImageRow, repoTags: string[]): ImageRecord {
  return {
    id: r.id,
    repoTags,
    created: r.created,
    size: r.size,
    architecture: r.architecture,
    os: r.os,
    config: JSON.parse(r.config) as ImageConfig,
    layers: JSON.parse(r.layers) as LayerRecord[],
    manifestDigest: r.manifest_digest,
  };
}
