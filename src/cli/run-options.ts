/**
 * `pure run` / `pure create` flags → the API's ContainerCreateRequest. A pure function: the client's
 * environment, working directory and file reader come in as parameters, so every rule is unit-tested
 * without touching the machine. Errors are InvalidArgument naming the flag and the value, as docker does.
 */
import { isAbsolute } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { parseBytes } from '../lib/index.js';
import type { ContainerCreateRequest, Resources, RestartPolicy } from '../api/types.js';
import { applyMountFlags } from './mount-options.js';
import { applyNetworkFlags, type NetworkFlags } from './network-options.js';
import { applyHealthFlags, type HealthFlags } from './health-options.js';

/** The flags as commander hands them over: strings and string lists, parsed here. */
export interface RunFlags extends NetworkFlags, HealthFlags {
  detach?: boolean;
  rm?: boolean;
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  label?: string[];
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  readOnly?: boolean;
  init?: boolean;
  network?: string;
  restart?: string;
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  stopSignal?: string;
  stopTimeout?: string;
  entrypoint?: string;
}

/** What the client machine contributes: `-e K` reads `env`, `-v ./dir:/x` resolves against `cwd`. */
export interface ClientEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Reads an --env-file; throws when it cannot. */
  readFile(path: string): string;
}

export interface RunInput {
  image: string;
  /** Words after the image: they replace the image's Cmd. Empty keeps the image's. */
  command: readonly string[];
  flags: RunFlags;
}

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ENV_KEY = /^[^=\s]+$/;

export function parseRunOptions(input: RunInput, client: ClientEnvironment): ContainerCreateRequest {
  const { flags } = input;
  if (!input.image) throw new InvalidArgument('an image is required');
  const req: ContainerCreateRequest = { image: input.image };
  if (input.command.length > 0) req.cmd = [...input.command];
  if (flags.entrypoint !== undefined) req.entrypoint = flags.entrypoint === '' ? [] : [flags.entrypoint];
  if (flags.name !== undefined) {
    if (!NAME.test(flags.name)) {
      throw new InvalidArgument(`invalid --name "${flags.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    req.name = flags.name.replace(/^\//, '');
  }
  const env = [...parseEnvFiles(flags.envFile ?? [], client), ...(flags.env ?? []).flatMap((e) => parseEnv(e, '-e', client))];
  if (env.length > 0) req.env = env;
  if (flags.workdir !== undefined) {
    if (!isAbsolute(flags.workdir)) throw new InvalidArgument(`invalid -w "${flags.workdir}": the working directory must be an absolute path`);
    req.workingDir = flags.workdir;
  }
  if (flags.user !== undefined) {
    if (flags.user === '') throw new InvalidArgument('invalid -u "": a user name or uid is required');
    req.user = flags.user;
  }
  if (flags.hostname !== undefined) {
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(flags.hostname)) {
      throw new InvalidArgument(`invalid --hostname "${flags.hostname}": letters, digits, "." and "-", at most 63 characters`);
    }
    req.hostname = flags.hostname;
  }
  if (flags.label && flags.label.length > 0) req.labels = parseLabels(flags.label);
  if (flags.tty) req.tty = true;
  if (flags.interactive) req.openStdin = true;
  if (flags.init) req.init = true;
  if (flags.readOnly) req.readOnly = true;
  if (flags.rm) req.autoRemove = true;
  applyMountFlags(req, flags, client.cwd);
  applyNetworkFlags(req, flags);
  if (flags.tmpfs && flags.tmpfs.length > 0) req.tmpfs = parseTmpfs(flags.tmpfs);
  if (flags.network !== undefined) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(flags.network)) throw new InvalidArgument(`invalid --network "${flags.network}"`);
    req.network = flags.network;
  }
  if (flags.restart !== undefined) {
    req.restartPolicy = parseRestart(flags.restart);
    if (flags.rm && req.restartPolicy.name !== 'no') {
      throw new InvalidArgument(`conflicting options: --restart "${flags.restart}" and --rm`);
    }
  }
  const resources = parseResources(flags);
  if (Object.keys(resources).length > 0) req.resources = resources;
  if (flags.stopSignal !== undefined) req.stopSignal = parseSignal(flags.stopSignal, '--stop-signal');
  if (flags.stopTimeout !== undefined) req.stopTimeout = parseInteger(flags.stopTimeout, '--stop-timeout', 0);
  applyHealthFlags(req, flags);
  return req;
}

/** `-e K=V` as is; `-e K` takes K from the client's environment and is dropped when K is unset there. */
function parseEnv(entry: string, flag: string, client: ClientEnvironment): string[] {
  const eq = entry.indexOf('=');
  const key = eq === -1 ? entry : entry.slice(0, eq);
  if (!ENV_KEY.test(key)) throw new InvalidArgument(`invalid ${flag} "${entry}": a variable name is required before "="`);
  if (eq !== -1) return [entry];
  const value = client.env[key];
  return value === undefined ? [] : [`${key}=${value}`];
}

/** KEY=VAL lines; blank lines and lines starting with "#" are skipped; values are kept verbatim (docker's rule). */
function parseEnvFiles(paths: readonly string[], client: ClientEnvironment): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = client.readFile(path);
    } catch (err) {
      throw new InvalidArgument(`invalid --env-file "${path}": cannot read it: ${(err as Error).message}`, { cause: err });
    }
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trimStart();
      if (line === '' || line.startsWith('#')) continue;
      out.push(...parseEnv(line, `--env-file ${path} line`, client));
    }
  }
  return out;
}

function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq);
    if (key === '') throw new InvalidArgument(`invalid --label "${entry}": a key is required`);
    labels[key] = eq === -1 ? '' : entry.slice(eq + 1);
  }
  return labels;
}

function parseTmpfs(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const path = colon === -1 ? entry : entry.slice(0, colon);
    if (!isAbsolute(path)) throw new InvalidArgument(`invalid --tmpfs "${entry}": the path must be absolute`);
    out[path] = colon === -1 ? '' : entry.slice(colon + 1);
  }
  return out;
}

export function parseRestart(text: string): RestartPolicy {
  const [name, count, ...rest] = text.split(':');
  const bad = (why: string): InvalidArgument =>
    new InvalidArgument(`invalid --restart "${text}": ${why}`);
  if (rest.length > 0) throw bad('too many ":"');
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined) throw bad(`a retry count only goes with on-failure`);
      return { name };
    case 'on-failure': {
      if (count === undefined) return { name };
      if (!/^\d+$/.test(count)) throw bad(`the retry count "${count}" is not a non-negative integer`);
      return { name, maximumRetryCount: Number(count) };
    }
    default:
      throw bad('use no, always, unless-stopped or on-failure[:max-retries]');
  }
}

function parseResources(flags: RunFlags): Resources {
  const r: Resources = {};
  if (flags.memory !== undefined) r.memory = parseBytes(flags.memory, '--memory');
  if (flags.memorySwap !== undefined) {
    r.memorySwap = flags.memorySwap === '-1' ? -1 : parseBytes(flags.memorySwap, '--memory-swap');
    if (r.memory === undefined) {
      throw new InvalidArgument(`invalid --memory-swap "${flags.memorySwap}": it needs --memory too`);
    }
    if (r.memorySwap !== -1 && r.memorySwap < r.memory) {
      throw new InvalidArgument(`invalid --memory-swap "${flags.memorySwap}": it must be at least --memory (it counts memory plus swap)`);
    }
  }
  if (flags.cpus !== undefined) {
    const cpus = /^\d+(\.\d+)?$|^\.\d+$/.test(flags.cpus) ? Number(flags.cpus) : NaN;
    if (!(cpus > 0)) throw new InvalidArgument(`invalid --cpus "${flags.cpus}": a positive number of CPUs is required, as in 1.5`);
    r.nanoCpus = Math.round(cpus * 1e9);
  }
  if (flags.cpuShares !== undefined) r.cpuShares = parseInteger(flags.cpuShares, '--cpu-shares', 0);
  if (flags.pidsLimit !== undefined) {
    // docker: 0 and -1 both mean "no limit"; anything else below 1 is a mistake.
    const n = flags.pidsLimit === '-1' ? -1 : parseInteger(flags.pidsLimit, '--pids-limit', 0);
    if (n > 0) r.pidsLimit = n;
  }
  return r;
}

function parseInteger(text: string, flag: string, min: number): number {
  if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgument(`invalid ${flag} "${text}": not an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidArgument(`invalid ${flag} "${text}": too large`);
  if (n < min) throw new InvalidArgument(`invalid ${flag} "${text}": must be at least ${min}`);
  return n;
}

/** "TERM", "SIGTERM", "sigterm" → "SIGTERM"; "15" stays "15" (the daemon maps numbers). */
export function parseSignal(text: string, flag: string): string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 64) throw new InvalidArgument(`invalid ${flag} "${text}": signal numbers go from 1 to 64`);
    return text;
  }
  const name = text.toUpperCase();
  const full = name.startsWith('SIG') ? name : `SIG${name}`;
  if (!/^SIG[A-Z0-9]+(\+\d+)?$/.test(full) || full === 'SIG') throw new InvalidArgument(`invalid ${flag} "${text}": not a signal name`);
  return full;
}
