/**
 * The wire contract of Pure's API v1 (JSON over the unix socket /run/pure/pure.sock): request and response
 * bodies shared by the daemon's routes and the CLI client. The OpenAPI document at /v1/openapi.json is generated
 * from the TypeBox schemas that mirror these types (src/api/schemas.ts).
 *
 * Routes of the system, image and container areas (volumes, networks, registry, jobs and storage have theirs in
 * src/api/routes/*.ts; GET /v1/openapi.json lists every route the daemon serves):
 *   GET    /v1/_ping                         → "OK"
 *   GET    /v1/version                       → VersionInfo
 *   GET    /v1/images                        → ImageSummary[]
 *   GET    /v1/images/{ref}                  → ImageInspect           (ref URL-encoded: name[:tag] | id | prefix)
 *   POST   /v1/images/import?ref=R           → ImageInspect           (body: a rootfs tarball, application/x-tar)
 *   POST   /v1/images/load                   → LoadResponse           (body: docker-save or OCI-layout tarball)
 *   POST   /v1/images/{ref}/tag              → {}                     (body: TagRequest)
 *   DELETE /v1/images/{ref}?force=1          → ImageDeleteResponse
 *   POST   /v1/containers                    → ContainerCreateResponse (body: ContainerCreateRequest)
 *   GET    /v1/containers?all=1&filter=k=v   → ContainerSummary[]     (filter repeatable: id, name, status,
 *                                                                      label=k[=v], ancestor, exited,
 *                                                                      health=starting|healthy|unhealthy|none)
 *   GET    /v1/containers/{id}               → ContainerInspect       (id: full id, unique prefix, or name)
 *   POST   /v1/containers/{id}/start         → {}
 *   POST   /v1/containers/{id}/stop?timeout=S    → {}   (StopSignal, S seconds grace (default 10), then SIGKILL)
 *   POST   /v1/containers/{id}/restart?timeout=S → {}
 *   POST   /v1/containers/{id}/kill?signal=SIG   → {}   (default SIGKILL)
 *   POST   /v1/containers/{id}/pause         → {}
 *   POST   /v1/containers/{id}/unpause       → {}
 *   POST   /v1/containers/{id}/wait          → WaitResponse           (blocks until the container is not running)
 *   DELETE /v1/containers/{id}?force=1       → {}
 *   GET    /v1/containers/{id}/logs?follow=1&tail=N&timestamps=1&stdout=1&stderr=1
 *                                            → application/x-ndjson stream of LogEntry, one per line
 *   GET    /v1/containers/{id}/stats         → ContainerStats         (one sample; ?stream=1: NDJSON, one a second)
 *   GET    /v1/containers/{id}/attach        WebSocket (see AttachFrame) — ?logs=1 replays output from the start; ?next=1 follows the run the client starts next
 *   POST   /v1/containers/{id}/attach?logs=1&start=1
 *                                            → application/vnd.pure.multiplexed-stream (output only, see below;
 *                                              start=1: start the container once subscribed, answering its
 *                                              error like POST start; logs=1 replays output from the start)
 *   POST   /v1/containers/{id}/exec          → ExecCreateResponse     (body: ExecCreateRequest)
 *   GET    /v1/exec/{execId}/start           WebSocket (see AttachFrame)
 *   GET    /v1/networks                      → NetworkInspect[]
 *   POST   /v1/networks                      → NetworkInspect         (body: NetworkCreateRequest)
 *   GET    /v1/networks/{ref}                → NetworkInspect         (ref: name, id or unique id prefix)
 *   DELETE /v1/networks/{ref}                → {}                     (refused while a container uses it)
 *   POST   /v1/networks/prune                → NetworkPruneResponse
 *   POST   /v1/networks/{ref}/connect        → {}                     (body: NetworkConnectRequest)
 *   POST   /v1/networks/{ref}/disconnect     → {}                     (body: NetworkDisconnectRequest)
 *   POST   /v1/volumes                       → Volume                 (body: VolumeCreateRequest; an existing name is returned as is)
 *   GET    /v1/volumes?filter=k=v            → Volume[]               (filter repeatable: name, label=k[=v], dangling)
 *   GET    /v1/volumes/{name}                → Volume
 *   DELETE /v1/volumes/{name}?force=1        → {}                     (refused while a container uses it; force ignores a missing one)
 *   POST   /v1/volumes/prune?all=1&filter=label=k  → VolumePruneResponse (unused anonymous volumes; all=1: named ones too)
 *   GET    /v1/events?since=T&until=T&filter=k=v
 *                                            → application/x-ndjson stream of PureEvent, one per line (T: RFC 3339;
 *                                              with since, kept past events first; without until, until the client
 *                                              disconnects; filter repeatable: type, event, container, image,
 *                                              network, volume, label=k[=v])
 *
 * Errors: any status >= 400 carries ApiError; `code` is one of src/errors' catalog.
 *
 * Attach/exec WebSocket framing:
 *   server → client: binary frames, first byte the stream (1 stdout, 2 stderr), the rest raw bytes;
 *                    then one text frame `{"type":"exit","exitCode":N,"oomKilled":bool}` and the socket closes.
 *                    A text frame `{"type":"error","code":..,"message":..}` reports a failure.
 *   client → server: binary frames are stdin bytes; text frames `{"type":"resize","rows":R,"cols":C}` and
 *                    `{"type":"eof"}` (close stdin).
 * POST attach's body (no stdin, no WebSocket): frames with docker's multiplexed-stream header
 *   [type, 0, 0, 0, payload length as uint32 big-endian] payload
 *   type 1 stdout bytes, 2 stderr bytes, 3 one AttachControl as JSON (`exit` last; `error` before it on a failure).
 */

import type { ImageConfig } from '../engine/image/index.js';

export interface ApiError {
  code: 'not_found' | 'already_exists' | 'invalid_argument' | 'conflict' | 'failed_precondition' | 'unavailable' | 'internal';
  message: string;
}

export interface VersionInfo {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
  kernel: string;
  runtime: { name: string; binary: string; version: string };
  conmon: string;
  snapshotter: string;
  cgroupMode: string;
  root: string;
}

/** An image's runtime defaults (the OCI config's `config`, Docker's capitalised keys): the image store's own type. */
export type { ImageConfig };

export interface ImageSummary {
  id: string; // sha256:<hex>
  repoTags: string[];
  created: string; // RFC 3339
  size: number;
}

export interface ImageInspect extends ImageSummary {
  architecture: string;
  os: string;
  config: ImageConfig;
  layers: { diffId: string; chainId: string; size: number }[];
  manifestDigest: string;
}

export interface LoadResponse {
  loaded: { id: string; repoTags: string[] }[];
}

export interface TagRequest {
  target: string;
}

export interface ImageDeleteResponse {
  untagged: string[];
  deleted: string[];
}

export type RestartPolicyName = 'no' | 'on-failure' | 'always' | 'unless-stopped';

export interface RestartPolicy {
  name: RestartPolicyName;
  maximumRetryCount?: number; // on-failure:N
}

export interface Resources {
  memory?: number; // bytes
  memorySwap?: number; // bytes, memory+swap; -1 unlimited
  nanoCpus?: number; // --cpus 1.5 → 1.5e9
  cpuShares?: number;
  pidsLimit?: number;
}

export interface BindMount {
  source: string; // absolute host path
  destination: string; // absolute container path
  readOnly: boolean;
}

/** A volume mounted into a container. No source: a new anonymous volume (its name is filled in at create). */
export interface VolumeMount {
  source?: string; // volume name
  destination: string; // absolute container path
  readOnly: boolean;
  noCopy?: boolean; // do not fill a new, empty volume from the image's content at destination
  mustExist?: boolean; // --mount: a missing named volume is an error instead of being created (-v creates it)
}

export interface ContainerCreateRequest {
  image: string;
  name?: string;
  cmd?: string[]; // replaces the image's Cmd
  entrypoint?: string[]; // replaces the image's Entrypoint; [] clears it
  env?: string[]; // KEY=VALUE, after the image's Env
  workingDir?: string;
  user?: string; // name|uid[:group|gid]
  hostname?: string;
  labels?: Record<string, string>;
  tty?: boolean;
  consoleSize?: { rows: number; cols: number }; // initial size of the tty
  openStdin?: boolean; // -i
  init?: boolean;
  readOnly?: boolean;
  tmpfs?: Record<string, string>; // container path → mount options ("" for defaults)
  binds?: BindMount[];
  volumes?: VolumeMount[]; // -v NAME:/path, -v /path, --mount type=volume; at create the image's VOLUME paths join as anonymous ones
  network?: string; // "none" | "host" | a network's name (default "bridge")
  networkAliases?: string[]; // --network-alias: more names for this container on its (user) network
  ipAddress?: string; // --ip: a fixed address inside the network's subnet
  portBindings?: PortBinding[]; // -p
  publishAll?: boolean; // -P: every exposed port of the image to a free host port
  dns?: string[]; // --dns
  extraHosts?: string[]; // --add-host NAME:IP (IP may be "host-gateway")
  restartPolicy?: RestartPolicy;
  resources?: Resources;
  stopSignal?: string;
  stopTimeout?: number; // seconds
  autoRemove?: boolean; // --rm: the daemon removes the container when it exits
  healthcheck?: HealthConfig; // --health-*; absent: the image's HEALTHCHECK, if any
}

/**
 * A health check (`run --health-cmd ...`, compose `healthcheck:`, the image's HEALTHCHECK). Durations in
 * milliseconds. test: ["NONE"] disables the image's check; ["CMD", argv...] runs argv; ["CMD-SHELL", "cmd"]
 * runs `/bin/sh -c cmd`. Defaults as Docker: interval 30 s, timeout 30 s, start period 0, retries 3.
 */
export interface HealthConfig {
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  /** The last (at most 5) probes, oldest first. */
  log: { start: string; end: string; exitCode: number; output: string }[];
}

/**
 * One event of `GET /v1/events` (NDJSON) and `pure events`. Actions as Docker's: container create, start, die,
 * oom, stop, kill, pause, unpause, restart, destroy, health_status, exec_start; image pull, push, tag, untag,
 * delete, import, load; network create, connect, disconnect, destroy; volume create, destroy.
 *
 * attributes, as Docker's: a container event carries the container's labels each under its own key (not
 * "label.<k>"), then `name` and `image` (which win over labels of those names), then the action's own:
 * die → exitCode, oomKilled ("true"/"false"); kill → signal; health_status → healthStatus (starting, healthy,
 * unhealthy; the action is just "health_status"); exec_start → execCommand. Image events: name (the reference);
 * network: name, type, and container for connect/disconnect; volume: name, driver. docs/engine.md has the table.
 */
export interface PureEvent {
  type: 'container' | 'image' | 'network' | 'volume';
  action: string;
  id: string;
  attributes: Record<string, string>;
  time: string; // RFC 3339 with milliseconds
  seq: number; // increasing per daemon run; `since` and ordering use it
}

export interface ContainerCreateResponse {
  id: string;
  name: string;
  warnings: string[];
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface ContainerState {
  status: ContainerStatus;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  oomKilled: boolean;
  pid: number; // 0 when not running
  exitCode: number;
  error: string;
  startedAt: string | null;
  finishedAt: string | null;
  health?: HealthState; // only for a container with a health check
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string; // as the user gave it
  imageId: string;
  command: string; // entrypoint + cmd joined, for display
  created: string;
  state: ContainerStatus;
  exitCode: number;
  startedAt: string | null;
  finishedAt: string | null;
  labels: Record<string, string>;
  health?: HealthStatus; // only for a running container with a health check
}

export interface ContainerInspect {
  id: string;
  name: string;
  created: string;
  image: string;
  imageId: string;
  path: string; // the process's argv[0]
  args: string[];
  state: ContainerState;
  restartCount: number;
  config: ContainerCreateRequest; // as created, with the image's defaults filled in
  runtime: string;
  snapshotter: string;
  rootfs: string;
  logPath: string;
  networkSettings?: NetworkSettings;
}

export interface WaitResponse {
  exitCode: number;
  oomKilled: boolean;
  error?: string;
}

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  time: string; // RFC 3339 with nanoseconds
  data: string; // the line, with its "\n" unless it was a partial line
}

export interface ContainerStats {
  id: string;
  name: string;
  read: string;
  cpuPercent: number; // of one CPU = 100
  cpuUsageNs: number;
  onlineCpus: number;
  memoryUsage: number;
  memoryLimit: number; // the container's limit, or the host's memory
  memoryPercent: number;
  pids: number;
  blkioRead: number;
  blkioWrite: number;
}

export interface ExecCreateRequest {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  openStdin?: boolean;
}

export interface ExecCreateResponse {
  id: string;
}

export type AttachControl =
  | { type: 'exit'; exitCode: number; oomKilled: boolean }
  | { type: 'error'; code: ApiError['code']; message: string }
  | { type: 'resize'; rows: number; cols: number }
  | { type: 'eof' };

export interface VolumeCreateRequest {
  name?: string; // [a-zA-Z0-9][a-zA-Z0-9_.-]+; default a new 64-hex name
  labels?: Record<string, string>;
}

export interface Volume {
  name: string;
  driver: 'local';
  mountpoint: string; // <root>/volumes/<name>/_data
  createdAt: string;
  labels: Record<string, string>;
  scope: 'local';
  anonymous: boolean; // made for a container (-v /path, an image VOLUME); rm -v and run --rm remove it
}

export interface VolumePruneResponse {
  volumesDeleted: string[];
  spaceReclaimed: number; // bytes
}

/** -p [ip:][hostPort:]containerPort[/proto]; no hostPort: a free one is chosen at start. */
export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIp?: string; // default all addresses
  hostPort?: number;
}

export interface NetworkCreateRequest {
  name: string;
  subnet?: string; // CIDR; default a free /24 from 10.90.0.0/15
  gateway?: string; // default the subnet's first address
  internal?: boolean; // no route out, no masquerade
  labels?: Record<string, string>;
}

export interface NetworkEndpoint {
  containerId: string;
  name: string;
  ipAddress: string; // with its prefix length, as 10.90.0.2/24
  macAddress: string;
  aliases: string[];
}

export interface NetworkInspect {
  id: string;
  name: string;
  driver: 'bridge' | 'host' | 'null';
  created: string;
  subnet: string;
  gateway: string;
  bridge: string; // the Linux bridge device
  internal: boolean;
  labels: Record<string, string>;
  containers: NetworkEndpoint[]; // the running containers attached now
}

export interface NetworkConnectRequest {
  container: string;
  aliases?: string[];
  ipAddress?: string;
}

export interface NetworkDisconnectRequest {
  container: string;
  force?: boolean;
}

export interface NetworkPruneResponse {
  deleted: string[];
}

export interface EndpointSettings {
  networkId: string;
  ipAddress: string; // "" while not running
  prefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
}

export interface NetworkSettings {
  networks: Record<string, EndpointSettings>;
  ports: PortBinding[]; // the published ports with their host ports resolved (while running)
  sandboxKey: string; // the netns path, "" when none
}

/**
 * Registry transfers (issue 3):
 *   POST   /v1/images/pull?ref=R&platform=P   → application/x-ndjson of TransferLine (header X-Registry-Auth)
 *   POST   /v1/images/{ref}/push               → application/x-ndjson of TransferLine (header X-Registry-Auth)
 *   GET    /v1/images/save?ref=R&ref=R2&format=docker|oci → application/x-tar
 *   POST   /v1/auth                            → { status } (body: RegistryAuth with serveraddress)
 * X-Registry-Auth is base64 of a RegistryAuth JSON object, as in Docker's API.
 */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress?: string;
}

/** One line of a pull/push progress stream; the last is `result` (ref, digest, id or size) or `error`. */
export interface TransferLine {
  status: string;
  /** A layer's short id; on the final `result` line of a pull, the image id. */
  id?: string;
  current?: number;
  total?: number;
  message?: string;
  /** On the final line. */
  ref?: string;
  digest?: string;
  size?: number;
  error?: { code: ApiError['code']; message: string };
}

/**
 * Image store upkeep (issue 3):
 *   POST   /v1/images/bootstrap?source=busybox|debian:SUITE&ref=R&include=P&mirror=URL → NDJSON of TransferLine
 *   POST   /v1/images/prune?all=1 → ImagePruneResponse
 *   GET    /v1/system/df          → SystemDfResponse
 */
export interface ImagePruneResponse {
  /** `{ untagged }` per removed tag, `{ deleted }` per removed image, layer or stray blob (docker's shape). */
  imagesDeleted: ({ untagged: string } | { deleted: string })[];
  spaceReclaimed: number;
}

export interface DiskUsageRow {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface SystemDfResponse {
  images: DiskUsageRow;
  containers: DiskUsageRow;
  volumes: DiskUsageRow;
  buildCache: DiskUsageRow;
}

/**
 * Stacks (compose files; src/api/routes/stacks.ts). The CLI sends the StackSource (its working directory,
 * -f files, environment, -p, --profile) and the daemon loads the file; long actions answer with NDJSON
 * StackLine values, ending with `done` or `error` (a failure before the first line is an ordinary error status):
 *   POST   /v1/stacks/config                 → StackConfigResponse    (body: StackSource)
 *   POST   /v1/stacks/up                     → NDJSON StackLine       (body: StackUpRequest)
 *   POST   /v1/stacks/scale                  → NDJSON StackLine       (body: StackScaleRequest)
 *   GET    /v1/stacks                        → StackSummary[]
 *   GET    /v1/stacks/{name}/containers      → ContainerSummary[]     (all states, one-off ones included)
 *   POST   /v1/stacks/{name}/down?volumes=1&timeout=S → NDJSON StackLine (by labels: no file needed)
 *   POST   /v1/stacks/{name}/stop|start|restart → NDJSON StackLine    (body: StackActionRequest)
 */
export interface StackSourceBody {
  files: string[];
  workingDir: string;
  env: Record<string, string>;
  projectName?: string;
  profiles?: string[];
}

export interface StackUpRequest extends StackSourceBody {
  /** Only these services and what they depend on; default all enabled ones. */
  services?: string[];
  /** With services: not what they depend on (whose conditions are still awaited). */
  noDeps?: boolean;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  /** After starting, wait until every started container is running, healthy, or exited 0 (up --wait). */
  wait?: boolean;
  /** Seconds --wait may take; default no limit. */
  timeoutS?: number;
}

export interface StackScaleRequest extends StackSourceBody {
  /** service → replicas */
  scale: Record<string, number>;
}

export interface StackActionRequest {
  services?: string[];
  timeoutS?: number;
}

export interface StackConfigResponse {
  /** The loaded project (src/stack/types.ts StackProject). */
  project: unknown;
  /** The project as normalised YAML. */
  yaml: string;
}

export type StackResource = 'network' | 'volume' | 'container';
export type StackAction =
  | 'creating' | 'created' | 'recreating' | 'recreated' | 'starting' | 'started' | 'waiting' | 'healthy' | 'exited'
  | 'running' | 'stopping' | 'stopped' | 'removing' | 'removed';

export type StackLine =
  | { type: 'progress'; resource: StackResource; name: string; action: StackAction; message?: string }
  | { type: 'warning'; message: string }
  | { type: 'done' }
  | { type: 'error'; code: ApiError['code']; message: string };

export interface StackSummary {
  name: string;
  /** Services with at least one container, sorted. */
  services: string[];
  containers: number;
  running: number;
}
