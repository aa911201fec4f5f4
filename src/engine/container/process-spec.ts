/**
 * What the container's processes are made of: the SpecInput for its init (from the record and what the start
 * path prepared), and an exec'd process (the init's settings from the bundle, overridden by the request).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgument } from '../../errors/index.js';
import type { BindMount, ExecCreateRequest } from '../../api/types.js';
import type { ContainerRecord } from './record.js';
import type { SpecInput } from './ports.js';
import type { EtcFiles } from './etc-files.js';

export interface LaunchParts {
  rootfs: string;
  user: SpecInput['user'];
  etcFiles: EtcFiles;
  /** The network namespace the network module made, if any (otherwise host or a fresh empty one). */
  netnsPath?: string;
  volumeBinds: BindMount[];
  cgroupsPath: string;
}

export function specInputFor(rec: ContainerRecord, p: LaunchParts): SpecInput {
  const c = rec.config;
  const args = [...c.entrypoint, ...c.cmd];
  if (args.length === 0) throw new InvalidArgument(`container "${rec.name}" has no command: give one or use an image with a Cmd`);
  return {
    id: rec.id,
    rootfs: p.rootfs,
    readOnly: c.readOnly ?? false,
    args,
    env: c.env,
    cwd: c.workingDir || '/',
    user: p.user,
    hostname: c.hostname ?? rec.id.slice(0, 12),
    terminal: c.tty ?? false,
    consoleSize: c.consoleSize,
    binds: [...(c.binds ?? []), ...p.volumeBinds],
    tmpfs: c.tmpfs ?? {},
    etcFiles: p.etcFiles,
    network: p.netnsPath ? { path: p.netnsPath } : c.network === 'host' ? 'host' : 'none',
    resources: c.resources ?? {},
    init: c.init ?? false,
    cgroupsPath: p.cgroupsPath,
  };
}

interface BundleProcess {
  env?: string[];
  cwd?: string;
  user?: object;
  [key: string]: unknown;
}

/** The OCI process of an exec: the init's (caps, rlimits, no_new_privileges...) with the request's changes. */
export async function execProcess(
  bundle: string,
  req: ExecCreateRequest,
  resolveUser: (user: string) => Promise<object>,
): Promise<object> {
  const base = (JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: BundleProcess }).process;
  return {
    ...base,
    args: req.cmd,
    env: [...(base.env ?? []), ...(req.env ?? [])],
    cwd: req.workingDir || base.cwd || '/',
    user: req.user ? await resolveUser(req.user) : base.user,
    terminal: req.tty ?? false,
  };
}
