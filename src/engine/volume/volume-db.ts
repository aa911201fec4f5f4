/**
 * The volumes table: one row per volume (name, creation time, labels, whether it is anonymous). Which
 * containers use a volume is not stored here: it is read from the container records themselves, so removing a
 * container can never leave a stale reference behind (no bookkeeping to repair after a crash).
 */
import type { Db } from '../../state/index.js';
import { migrate, statement } from '../../state/index.js';

export interface VolumeRow {
  name: string;
  created: string;
  labels: Record<string, string>;
  anonymous: boolean;
}

const MIGRATIONS = [
  `CREATE TABLE volumes (
     name TEXT PRIMARY KEY,
     created TEXT NOT NULL,
     labels TEXT NOT NULL,
     anonymous INTEGER NOT NULL);`,
];

interface RawRow {
  name: string;
  created: string;
  labels: string;
  anonymous: number;
}

const fromRaw = (r: RawRow): VolumeRow => ({
  name: r.name,
  created: r.created,
  labels: JSON.parse(r.labels) as Record<string, string>,
  anonymous: r.anonymous === 1,
});

export class VolumeRepository {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
    migrate(db, 'volume', MIGRATIONS);
  }

  get(name: string): VolumeRow | undefined {
    const r = statement(this.#db, 'SELECT * FROM volumes WHERE name = ?').get(name) as RawRow | undefined;
    return r && fromRaw(r);
  }

  list(): VolumeRow[] {
    return (statement(this.#db, 'SELECT * FROM volumes ORDER BY name').all() as RawRow[]).map(fromRaw);
  }

  insert(row: VolumeRow): void {
    statement(this.#db, 'INSERT INTO volumes (name, created, labels, anonymous) VALUES (?, ?, ?, ?)')
      .run(row.name, row.created, JSON.stringify(row.labels), row.anonymous ? 1 : 0);
  }

  delete(name: string): void {
    statement(this.#db, 'DELETE FROM volumes WHERE name = ?').run(name);
  }
}
