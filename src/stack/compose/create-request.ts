/**
 * A service replica → the engine's ContainerCreateRequest. Replica n of service `web` in project `shop` is
 * the container `shop-web-n`, labelled with the project, service, number and config hash so the orchestrator
 * finds it again and can tell whether it is up to date.
 *
 * A container is created on ONE network: the service's first network in sorted key order (as Compose attaches
 * them), with that network's aliases plus the service name as aliases, so every replica answers to the service
 * name in DNS. The orchestrator connects the others after create: `networkAttachments` lists all of them.
 */
import type { BindMount, ContainerCreateRequest, VolumeMount } from '../../api/types.js';
import { NotFound } from '../../errors/index.js';
import { LABEL_CONFIG_HASH, LABEL_NUMBER, LABEL_PROJECT, LABEL_SERVICE, type StackProject, type StackService } from '../types.js';

export interface NetworkAttachment {
  key: string; // the key in project.networks
  network: string; // the engine's network name
  aliases: string[]; // the service's aliases on it, then the service name
  ipAddress?: string;
}

function serviceOf(project: StackProject, service: string | StackService): StackService {
  const found = typeof service === 'string' ? project.services[service] : service;
  if (!found) throw new NotFound(`no such service "${typeof service === 'string' ? service : service.name}" in project "${project.name}"`);
  return found;
}

/** The service's networks in the order a container joins them (sorted keys); empty with a network_mode. */
export function networkAttachments(project: StackProject, service: string | StackService): NetworkAttachment[] {
  const s = serviceOf(project, service);
  if (s.networkMode) return [];
  return Object.keys(s.networks)
    .sort()
    .map((key) => {
      const settings = s.networks[key] ?? { aliases: [] };
      const attachment: NetworkAttachment = {
        key,
        network: project.networks[key]?.name ?? `${project.name}_${key}`,
        aliases: [...new Set([...settings.aliases, s.name])],
      };
      if (settings.ipv4Address !== undefined) attachment.ipAddress = settings.ipv4Address;
      return attachment;
    });
}

/** The create request for replica `n` (from 1) of `service`. */
export function toCreateRequest(project: StackProject, service: string | StackService, n: number): ContainerCreateRequest {
  const s = serviceOf(project, service);
  const req: ContainerCreateRequest = {
    image: s.image,
    name: `${project.name}-${s.name}-${n}`,
    labels: {
      ...s.labels,
      [LABEL_PROJECT]: project.name,
      [LABEL_SERVICE]: s.name,
      [LABEL_NUMBER]: String(n),
      [LABEL_CONFIG_HASH]: s.configHash,
    },
    env: Object.entries(s.environment).map(([key, value]) => `${key}=${value}`),
  };
  if (s.entrypoint) req.entrypoint = s.entrypoint;
  if (s.command) req.cmd = s.command;

  const [first] = networkAttachments(project, s);
  if (s.networkMode) req.network = s.networkMode;
  else if (first) {
    req.network = first.network;
    req.networkAliases = first.aliases;
    if (first.ipAddress !== undefined) req.ipAddress = first.ipAddress;
  }
  if (s.ports.length > 0) req.portBindings = s.ports.map((p) => ({ ...p }));

  const volumes: VolumeMount[] = [];
  const binds: BindMount[] = [];
  const tmpfs: Record<string, string> = { ...s.tmpfs };
  for (const m of s.mounts) {
    if (m.type === 'bind') binds.push({ source: m.source, destination: m.target, readOnly: m.readOnly });
    else if (m.type === 'tmpfs') tmpfs[m.target] = m.options;
    else {
      const volume: VolumeMount = { destination: m.target, readOnly: m.readOnly };
      if (m.noCopy) volume.noCopy = true;
      const declared = m.source === undefined ? undefined : project.volumes[m.source];
      if (m.source !== undefined) volume.source = declared?.name ?? `${project.name}_${m.source}`;
      if (declared?.external) volume.mustExist = true;
      volumes.push(volume);
    }
  }
  if (volumes.length > 0) req.volumes = volumes;
  if (binds.length > 0) req.binds = binds;
  if (Object.keys(tmpfs).length > 0) req.tmpfs = tmpfs;

  if (s.healthcheck) req.healthcheck = { ...s.healthcheck, test: [...s.healthcheck.test] };
  if (s.restart) req.restartPolicy = { ...s.restart };
  if (Object.keys(s.resources).length > 0) req.resources = { ...s.resources };
  if (s.init !== undefined) req.init = s.init;
  if (s.readOnly !== undefined) req.readOnly = s.readOnly;
  if (s.user !== undefined) req.user = s.user;
  if (s.workingDir !== undefined) req.workingDir = s.workingDir;
  if (s.hostname !== undefined) req.hostname = s.hostname;
  if (s.stopSignal !== undefined) req.stopSignal = s.stopSignal;
  if (s.stopGracePeriodS !== undefined) req.stopTimeout = Math.ceil(s.stopGracePeriodS);
  return req;
}
