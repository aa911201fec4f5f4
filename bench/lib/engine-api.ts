/**
 * The container lifecycle through a daemon's HTTP API on its unix socket, for Pure (API v1, see
 * src/api/types.ts) and for the Docker Engine API — same four steps, so their numbers compare:
 * create → start → wait → delete.
 *
 * The Pure request/response shapes below mirror src/api/types.ts (ContainerCreateRequest,
 * ContainerCreateResponse, WaitResponse). They are restated, not imported, because src/api has no index.ts
 * yet. TODO(lead): import them with `import type` from src/api/index.ts once it exists.
 */
import { stat } from 'node:fs/promises';
import { Internal, Unavailable } from '../../src/errors/index.js';
import { UnixJsonClient } from './unix-http.js';
import type { Candidate } from './runner.js';

export interface EngineApi {
  /** Human name of the daemon, for messages. */
  readonly daemon: string;
  readonly client: UnixJsonClient;
  /** Throws `Unavailable` (with why) when the daemon or the image is not there. */
  ready(image: string): Promise<void>;
  /** Create a container from `image` with no network running `cmd`; returns its id. */
  create(image: string, cmd: readonly string[]): Promise<string>;
  start(id: string): Promise<void>;
  /** Block until the container exits; returns its exit code. */
  wait(id: string): Promise<number>;
  /** Remove, killing it first when `force`. */
  remove(id: string, force: boolean): Promise<void>;
}

async function socketReady(socketPath: string, daemon: string): Promise<void> {
  const st = await stat(socketPath).catch(() => null);
  if (!st?.isSocket()) throw new Unavailable(`${daemon} socket ${socketPath} is absent`);
}

function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
}

/** Pure's API v1 on `socketPath` (default /run/pure/pure.sock). */
export function pureApi(socketPath: string): EngineApi {
  const client = new UnixJsonClient(socketPath);
  return {
    daemon: 'pure',
    client,
    async ready(image) {
      await socketReady(socketPath, 'pure daemon');
      const ping = await client.request('GET', '/v1/_ping').catch((e: unknown) => {
        throw new Unavailable(`pure daemon does not answer on ${socketPath}`, { cause: e });
      });
      if (ping.status !== 200) throw new Unavailable(`pure daemon: GET /v1/_ping → ${ping.status}`);
      const img = await client.request('GET', `/v1/images/${encodeURIComponent(image)}`);
      if (img.status !== 200) throw new Unavailable(`pure has no image ${image} (GET /v1/images → ${img.status}); run scripts/install-peers.sh`);
    },
    async create(image, cmd) {
      const body = await client.ok('POST', '/v1/containers', { image, cmd: [...cmd], network: 'none' });
      const id = field(body, 'id');
      if (typeof id !== 'string') throw new Internal(`pure create returned no id: ${JSON.stringify(body)}`);
      return id;
    },
    async start(id) {
      await client.ok('POST', `/v1/containers/${id}/start`);
    },
    async wait(id) {
      const code = field(await client.ok('POST', `/v1/containers/${id}/wait`), 'exitCode');
      if (typeof code !== 'number') throw new Internal(`pure wait returned no exitCode`);
      return code;
    },
    async remove(id, force) {
      await client.ok('DELETE', `/v1/containers/${id}${force ? '?force=1' : ''}`);
    },
  };
}

/** The Docker Engine API on `socketPath` (default /var/run/docker.sock); unversioned paths. */
export function dockerApi(socketPath: string): EngineApi {
  const client = new UnixJsonClient(socketPath);
  return {
    daemon: 'docker',
    client,
    async ready(image) {
      await socketReady(socketPath, 'dockerd');
      const ping = await client.request('GET', '/_ping').catch((e: unknown) => {
        throw new Unavailable(`dockerd does not answer on ${socketPath}`, { cause: e });
      });
      if (ping.status !== 200) throw new Unavailable(`dockerd: GET /_ping → ${ping.status}`);
      const img = await client.request('GET', `/images/${encodeURIComponent(image)}/json`);
      if (img.status !== 200) throw new Unavailable(`docker has no image ${image}; run scripts/install-peers.sh`);
    },
    async create(image, cmd) {
      const body = await client.ok('POST', '/containers/create', { Image: image, Cmd: [...cmd], HostConfig: { NetworkMode: 'none' } });
      const id = field(body, 'Id');
      if (typeof id !== 'string') throw new Internal(`docker create returned no Id: ${JSON.stringify(body)}`);
      return id;
    },
    async start(id) {
      await client.ok('POST', `/containers/${id}/start`);
    },
    async wait(id) {
      const code = field(await client.ok('POST', `/containers/${id}/wait`), 'StatusCode');
      if (typeof code !== 'number') throw new Internal('docker wait returned no StatusCode');
      return code;
    },
    async remove(id, force) {
      await client.ok('DELETE', `/containers/${id}${force ? '?force=1' : ''}`);
    },
  };
}

/**
 * A candidate measuring create → start → wait → delete of `image` running `cmd` (must exit 0).
 * A run that fails part-way force-removes what it created, so no container is left behind.
 */
export function lifecycleCandidate(name: string, api: EngineApi, image: string, cmd: readonly string[] = ['true']): Candidate {
  return {
    name,
    setup: () => api.ready(image),
    async run() {
      const id = await api.create(image, cmd);
      let removed = false;
      try {
        await api.start(id);
        const code = await api.wait(id);
        if (code !== 0) throw new Internal(`${api.daemon} container ${id.slice(0, 12)} exited ${code}`);
        await api.remove(id, false);
        removed = true;
      } finally {
        if (!removed) await api.remove(id, true).catch(() => {});
      }
    },
    teardown() {
      api.client.close();
      return Promise.resolve();
    },
  };
}
