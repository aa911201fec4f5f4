/**
 * The stack module's contract: a compose project after loading (YAML parsed, files merged, `${VAR}`
 * interpolated, env_file read, paths resolved, defaults filled, validated). The loader (compose/*) makes it;
 * the orchestrator (service.ts) runs it; `pure config` prints it.
 *
 * Engine names (Compose's conventions): a network key `front` → `<project>_front` (the implicit `default` →
 * `<project>_default`), a volume key `data` → `<project>_data`; `external: true` (or `name:`) uses the name
 * as given. Containers are `<project>-<service>-<n>` with n from 1.
 */
import type { HealthConfig, PortBinding, Resources, RestartPolicy } from '../api/types.js';

/** Labels put on everything a stack makes; the orchestrator finds its containers by them. */
export const LABEL_PROJECT = 'pure.stack.project';
export const LABEL_SERVICE = 'pure.stack.service';
export const LABEL_NUMBER = 'pure.stack.number';
export const LABEL_CONFIG_HASH = 'pure.stack.config-hash';
export const LABEL_ONEOFF = 'pure.stack.oneoff';
export const LABEL_NETWORK = 'pure.stack.network';
export const LABEL_VOLUME = 'pure.stack.volume';

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface StackDependency {
  condition: DependsCondition;
  /** required: false — a missing or failed dependency is a warning, not an error (Compose 2.20+). */
  required: boolean;
  /** restart: true — restart this service when the dependency is recreated. */
  restart: boolean;
}

export type StackMount =
  /** source: a key of project.volumes; absent: an anonymous volume. */
  | { type: 'volume'; source?: string; target: string; readOnly: boolean; noCopy: boolean }
  /** source: an absolute host path (relative ones are resolved against the project directory). */
  | { type: 'bind'; source: string; target: string; readOnly: boolean; createHostPath: boolean }
  /** options: mount options as `--tmpfs` takes them ("size=65536,mode=1777" or ""). */
  | { type: 'tmpfs'; target: string; options: string };

export interface StackServiceNetwork {
  aliases: string[];
  ipv4Address?: string;
}

export interface StackService {
  name: string;
  image: string;
  entrypoint?: string[]; // a string in the file is split as a shell would (no shell run)
  command?: string[];
  /** KEY → value, after env_file and environment (environment wins); a null value in the file means "from the
   *  environment" and is resolved by the loader (dropped when unset). */
  environment: Record<string, string>;
  ports: PortBinding[];
  expose: string[]; // "80", "8080/udp": documentation only on one host, kept for `config`
  mounts: StackMount[];
  /** Keys of project.networks with per-network settings; empty when networkMode is set. */
  networks: Record<string, StackServiceNetwork>;
  networkMode?: 'none' | 'host';
  dependsOn: Record<string, StackDependency>;
  healthcheck?: HealthConfig; // test ["NONE"] when the file says `disable: true`
  restart?: RestartPolicy;
  replicas: number; // deploy.replicas, or `scale`, default 1
  resources: Resources; // deploy.resources.limits (and mem_limit, cpus, pids_limit)
  labels: Record<string, string>;
  init?: boolean;
  readOnly?: boolean;
  tmpfs: Record<string, string>; // `tmpfs:` key: path → options
  user?: string;
  workingDir?: string;
  hostname?: string;
  stopSignal?: string;
  stopGracePeriodS?: number;
  profiles: string[];
  /** sha256 (hex) of this service's normalised configuration: what `up` compares to decide a recreate. */
  configHash: string;
}

export interface StackNetwork {
  name: string; // the engine's network name
  external: boolean;
  internal: boolean;
  subnet?: string; // ipam.config[0].subnet
  labels: Record<string, string>;
}

export interface StackVolume {
  name: string; // the engine's volume name
  external: boolean;
  labels: Record<string, string>;
}

export interface StackProject {
  name: string; // [a-z0-9][a-z0-9_-]*: -p, `name:` in the file, or the directory's name (normalised)
  workingDir: string; // the project directory: the first file's directory
  files: string[]; // absolute paths, in merge order
  /** Services enabled by the active profiles (a service without profiles is always enabled). */
  services: Record<string, StackService>;
  networks: Record<string, StackNetwork>;
  volumes: Record<string, StackVolume>;
  /** Unsupported keys, each named with its path ("services.web.build: not supported, ignored"). */
  warnings: string[];
}

/** What the loader reads: given by the CLI (its cwd, environment and -f/-p/--profile flags). */
export interface StackSource {
  /** Absolute paths; empty: compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml in workingDir. */
  files: string[];
  workingDir: string;
  env: Record<string, string>;
  projectName?: string;
  profiles?: string[];
}
