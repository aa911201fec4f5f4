/**
 * What the orchestrator needs from the rest of Pure, as narrow ports: the engine's container, network and
 * volume services (src/engine/*; the daemon passes the real ones), the compose loader (compose/*), and the
 * event bus (src/engine/events) it waits on. Each port names only the methods the orchestrator calls, so a
 * unit test can hand in a recording fake and the daemon the real service.
 */
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerSummary,
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkInspect,
  PureEvent,
  Volume,
  VolumeCreateRequest,
} from '../api/types.js';
import type { StackProject, StackSource } from './types.js';

export interface ContainerPort {
  create(req: ContainerCreateRequest): Promise<ContainerCreateResponse>;
  start(ref: string): Promise<void>;
  stop(ref: string, timeoutSec?: number): Promise<void>;
  restart(ref: string, timeoutSec?: number): Promise<void>;
  /** volumes: also remove the container's anonymous volumes (rm -v). */
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /** filters as `ps --filter` (label=k=v …). */
  list(opts?: { all?: boolean; filters?: string[] }): ContainerSummary[];
  inspect(ref: string): ContainerInspect;
}

export interface NetworkPort {
  create(req: NetworkCreateRequest): Promise<NetworkInspect>;
  /** Throws NotFound when there is no such network. */
  inspect(ref: string): NetworkInspect;
  list(): NetworkInspect[];
  remove(ref: string): Promise<void>;
  connect(ref: string, req: NetworkConnectRequest): Promise<void>;
}

export interface VolumePort {
  /** An existing name is returned as it is. */
  create(req: VolumeCreateRequest): Volume;
  /** Throws NotFound when there is no such volume. */
  get(name: string): Volume;
  /** filters as `volume ls --filter` (label=k=v, name, dangling). */
  list(filters?: readonly string[]): Volume[];
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
}

export interface ImageLookup {
  /** The id (sha256:…) of the local image `ref` names, or undefined when there is none. */
  idOf(ref: string): string | undefined;
}

export interface StackEngine {
  containers: ContainerPort;
  networks: NetworkPort;
  volumes: VolumePort;
  /** Without it, a service whose tag now names another image is not recreated. */
  images?: ImageLookup;
}

/** The compose loader's functions (src/stack/compose, exported from src/stack/index.ts). */
export interface StackLoader {
  /** Throws InvalidArgument (naming the file and the key) for bad input; NotFound when there is no file. */
  loadProject(source: StackSource): Promise<StackProject>;
  /** Service names in dependency order (dependencies first); with services: those and what they depend on. */
  serviceOrder(project: StackProject, services?: readonly string[]): string[];
  /** The engine's create request for replica n of a service: name, labels, networks, aliases, mounts. */
  toCreateRequest(project: StackProject, service: string, n: number): ContainerCreateRequest;
  /** Every network a replica joins, the create request's first: engine name, aliases (with the service name), ip. */
  networkAttachments(project: StackProject, service: string): { network: string; aliases: string[]; ipAddress?: string }[];
  /** The project as normalised YAML (`pure config`). */
  renderConfig(project: StackProject): string;
}

/** The event bus's subscribing side (src/engine/events EventBus). */
export interface EventSource {
  /** Call fn for every event published from now on; returns the unsubscribe function. */
  subscribe(fn: (e: PureEvent) => void): () => void;
}
