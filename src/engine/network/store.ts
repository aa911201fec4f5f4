/**
 * Network state in SQLite: the networks themselves, each container's live endpoints (one per attached
 * network, written BEFORE the CNI ADD so a crash in the middle still leaves a row that recovery DELs), and
 * the extra networks a container was connected to (`network connect`), which outlive its runs.
 */
import type { Db } from '../../state/index.js';
import { migrate, statement } from '../../state/index.js';
import type { PortBinding } from '../../api/types.js';
import type { CniResult } from './cni.js';

export interface NetworkRecord {
  id: string;
  name: string;
  /** Linux bridge device (≤ 15 characters). */
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  /** The default network (docker's "bridge"): no embedded DNS, the host's resolv.conf. */
  isDefault: boolean;
  labels: Record<string, string>;
  created: string;
}

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  network: string;
  ifName: string;
  /** "" until the ADD answered. */
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  aliases: string[];
  /** Published ports with the host port resolved (primary endpoint only). */
  ports: PortBinding[];
  /** DNS servers the embedded resolver forwards this container's other queries to (--dns). */
  dns: string[];
  result: CniResult | null;
}

export interface ConnectionRecord {
  containerId: string;
  network: string;
  aliases: string[];
  ipAddress?: string;
}

const MIGRATIONS = [
  `CREATE TABLE networks (name TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
   CREATE TABLE network_endpoints (container_id TEXT NOT NULL, network TEXT NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (container_id, network));
   CREATE TABLE network_connections (container_id TEXT NOT NULL, network TEXT NOT NULL, data TEXT NOT NULL,
     PRIMARY KEY (container_id, network));`,
];

export class NetworkRepository {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
    migrate(db, 'network', MIGRATIONS);
  }

  list(): NetworkRecord[] {
    return (statement(this.#db, 'SELECT data FROM networks ORDER BY name').all() as { data: string }[]).map((r) => JSON.parse(r.data) as NetworkRecord);
  }

  get(name: string): NetworkRecord | undefined {
    const row = statement(this.#db, 'SELECT data FROM networks WHERE name = ?').get(name) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as NetworkRecord) : undefined;
  }

  insert(n: NetworkRecord): void {
    statement(this.#db, 'INSERT INTO networks (name, id, data) VALUES (?, ?, ?)').run(n.name, n.id, JSON.stringify(n));
  }

  delete(name: string): void {
    statement(this.#db, 'DELETE FROM networks WHERE name = ?').run(name);
  }

  endpoints(filter: { containerId?: string; network?: string } = {}): EndpointRecord[] {
    const rows = statement(this.#db, 'SELECT data FROM network_endpoints ORDER BY rowid').all() as { data: string }[];
    return rows
      .map((r) => JSON.parse(r.data) as EndpointRecord)
      .filter((e) => (filter.containerId === undefined || e.containerId === filter.containerId) && (filter.network === undefined || e.network === filter.network));
  }

  putEndpoint(e: EndpointRecord): void {
    statement(this.#db, 'INSERT INTO network_endpoints (container_id, network, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data')
      .run(e.containerId, e.network, JSON.stringify(e));
  }

  deleteEndpoint(containerId: string, network: string): void {
    statement(this.#db, 'DELETE FROM network_endpoints WHERE container_id = ? AND network = ?').run(containerId, network);
  }

  connections(filter: { containerId?: string; network?: string } = {}): ConnectionRecord[] {
    const rows = statement(this.#db, 'SELECT data FROM network_connections ORDER BY rowid').all() as { data: string }[];
    return rows
      .map((r) => JSON.parse(r.data) as ConnectionRecord)
      .filter((c) => (filter.containerId === undefined || c.containerId === filter.containerId) && (filter.network === undefined || c.network === filter.network));
  }

  putConnection(c: ConnectionRecord): void {
    statement(this.#db, 'INSERT INTO network_connections (container_id, network, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data')
      .run(c.containerId, c.network, JSON.stringify(c));
  }

  deleteConnection(containerId: string, network: string): void {
    statement(this.#db, 'DELETE FROM network_connections WHERE container_id = ? AND network = ?').run(containerId, network);
  }

  deleteConnectionsOf(containerId: string): void {
    statement(this.#db, 'DELETE FROM network_connections WHERE container_id = ?').run(containerId);
  }
}
