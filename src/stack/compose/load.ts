/**
 * loadProject: StackSource → StackProject. The pipeline, in Compose's order:
 *
 *   find files → per file: parse YAML, interpolate (env over .env) → merge in order → check the shape (zod),
 *   warn about unsupported keys → project name → profiles → top-level networks and volumes →
 *   each enabled service (env_file, ports, mounts, ...) → cross-service checks → config hashes.
 *
 * Errors are InvalidArgument with one line `FILE: KEY: reason with "value"`; nothing is created, so a failed
 * load leaves nothing behind. Warnings (unsupported keys, unset variables) are collected in project.warnings.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgument } from '../../errors/index.js';
import type { StackNetwork, StackProject, StackService, StackSource, StackVolume } from '../types.js';
import { configHash } from './config-hash.js';
import { Diagnostics, formatPath, quote, type KeyPath } from './diagnostics.js';
import { parseEnvFile } from './env-file.js';
import { findFiles, parseComposeYaml, readIfExists, type ReadFile } from './files.js';
import { interpolateTree } from './interpolate.js';
import { mergeFiles } from './merge.js';
import { normaliseService, stringMap, type ServiceWithoutHash } from './normalise-service.js';
import { fileSchema, unsupportedKeys, type ComposeFile } from './schema.js';
import { checkDependencies, checkHostPorts } from './validate.js';

export interface LoadOptions {
  /** Reads a file as UTF-8 (default fs.readFile); a missing file rejects with code ENOENT. Tests pass a fake. */
  readFile?: ReadFile;
}

export async function loadProject(source: StackSource, opts: LoadOptions = {}): Promise<StackProject> {
  const readFile = opts.readFile ?? ((file: string) => fs.readFile(file, 'utf8'));
  const files = await findFiles(source.files, source.workingDir, readFile);
  const projectDir = path.dirname((files[0] as { path: string }).path);
  /** Errors name files relative to the project directory when they are inside it. */
  const display = (file: string): string => {
    const rel = path.relative(projectDir, file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  };

  const dotenvText = await readIfExists(readFile, path.join(projectDir, '.env'));
  const dotenv = dotenvText === undefined ? {} : parseEnvFile(dotenvText, '.env', source.env);
  const env: Record<string, string> = { ...dotenv, ...source.env };

  const diag: Diagnostics = new Diagnostics(display((files[0] as { path: string }).path));
  let merged: Record<string, unknown> = {};
  for (const file of files) {
    const name = display(file.path);
    const tree = interpolateTree(parseComposeYaml(file.text, name), env, {
      fail: (where, message) => {
        throw new InvalidArgument(`${name}: ${formatPath(where)}: ${message}`);
      },
      warn: (where, message) => diag.warn(where, message),
    });
    diag.recordOrigins(name, tree);
    merged = mergeFiles(merged, tree as Record<string, unknown>);
  }

  const parsed = fileSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol');
    diag.fail(where, `${issue?.message ?? 'invalid'}, got ${quote(valueAt(merged, where))}`);
  }
  const file = parsed.data;
  for (const key of unsupportedKeys(fileSchema, merged)) diag.warn(key, 'not supported by Pure, ignored');
  if (file.version !== undefined) diag.warn(['version'], 'obsolete, ignored');

  const name = projectName(source, file, env, projectDir, diag);
  const active = activeProfiles(source, env);
  const isEnabled = (profiles: string[] | undefined): boolean =>
    !profiles || profiles.length === 0 || active.has('*') || profiles.some((p) => active.has(p));

  const networks = topLevelNetworks(name, file, diag);
  const volumes = topLevelVolumes(name, file, diag);
  const ctx = {
    diag,
    projectDir,
    env,
    readFile,
    networks: new Set([...Object.keys(networks), 'default']),
    volumes: new Set(Object.keys(volumes)),
  };

  const enabled: Record<string, ServiceWithoutHash> = {};
  const all: Record<string, string[]> = {};
  for (const [key, raw] of Object.entries(file.services ?? {})) {
    // the name becomes part of container names (<project>-<service>-<n>) and a DNS alias
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key)) diag.fail(['services', key], `invalid service name ${quote(key)} (letters, digits, _ . - and a letter or digit first)`);
    all[key] = raw?.profiles ?? [];
    if (isEnabled(raw?.profiles)) enabled[key] = await normaliseService(key, raw ?? {}, ctx);
  }
  if (Object.keys(file.services ?? {}).length === 0) diag.fail(['services'], 'no services defined');
  checkDependencies(enabled, all, diag);
  checkHostPorts(enabled, diag);

  const usesDefault = Object.values(enabled).some((s) => 'default' in s.networks);
  if (usesDefault && !networks.default) {
    networks.default = { name: `${name}_default`, external: false, internal: false, labels: {} };
  }
  const services: Record<string, StackService> = {};
  for (const [key, service] of Object.entries(enabled)) services[key] = { ...service, configHash: configHash(service) };
  return { name, workingDir: projectDir, files: files.map((f) => f.path), services, networks, volumes, warnings: diag.warnings };
}

function valueAt(tree: unknown, where: KeyPath): unknown {
  let value = tree;
  for (const key of where) value = (value as Record<string | number, unknown> | undefined)?.[key];
  return value;
}

/** -p, then `name:`, then COMPOSE_PROJECT_NAME, then the project directory's name; lowercased, [a-z0-9_-] kept. */
function projectName(source: StackSource, file: ComposeFile, env: Record<string, string>, projectDir: string, diag: Diagnostics): string {
  type Candidate = [string | undefined, (message: string) => never];
  const fromDir: Candidate = [
    path.basename(projectDir),
    (m) => {
      throw new InvalidArgument(`invalid project name ${quote(path.basename(projectDir))} (the directory's name; use -p or name:): ${m}`);
    },
  ];
  const candidates: Candidate[] = [
    [
      source.projectName,
      (m) => {
        throw new InvalidArgument(`invalid project name ${quote(source.projectName)}: ${m}`);
      },
    ],
    [file.name, (m) => diag.fail(['name'], `invalid project name ${quote(file.name)}: ${m}`)],
    [
      env.COMPOSE_PROJECT_NAME,
      (m) => {
        throw new InvalidArgument(`invalid COMPOSE_PROJECT_NAME ${quote(env.COMPOSE_PROJECT_NAME)}: ${m}`);
      },
    ],
  ];
  const [raw, fail] = candidates.find(([value]) => value !== undefined && value !== '') ?? fromDir;
  const normalised = (raw ?? '').toLowerCase().replace(/[^a-z0-9_-]/g, '');
  if (!/^[a-z0-9]/.test(normalised)) fail('it must start with a letter or digit (a-z, 0-9, _ and - are kept)');
  return normalised;
}

function activeProfiles(source: StackSource, env: Record<string, string>): Set<string> {
  const fromEnv = (env.COMPOSE_PROFILES ?? '').split(',').map((p) => p.trim());
  return new Set([...(source.profiles ?? []), ...fromEnv].filter((p) => p !== ''));
}

/** `external: true` / `external: {name}` (the old form) → the name to use as given, or undefined. */
function externalName(external: boolean | { name?: string } | undefined, name: string | undefined, key: string): string | undefined {
  if (external === undefined || external === false) return undefined;
  return (typeof external === 'object' ? external.name : undefined) ?? name ?? key;
}

function topLevelNetworks(project: string, file: ComposeFile, diag: Diagnostics): Record<string, StackNetwork> {
  const out: Record<string, StackNetwork> = {};
  for (const [key, raw] of Object.entries(file.networks ?? {})) {
    const net = raw ?? {};
    if (net.driver !== undefined && net.driver !== 'bridge') {
      diag.fail(['networks', key, 'driver'], `unsupported driver ${quote(net.driver)} (Pure networks are bridge networks)`);
    }
    const external = externalName(net.external, net.name, key);
    const network: StackNetwork = {
      name: external ?? net.name ?? `${project}_${key}`,
      external: external !== undefined,
      internal: net.internal ?? false,
      labels: stringMap(net.labels),
    };
    const configs = net.ipam?.config ?? [];
    if (configs[0]?.subnet !== undefined) network.subnet = configs[0].subnet;
    if (configs.length > 1) diag.warn(['networks', key, 'ipam', 'config'], 'only the first subnet is used by Pure, the others are ignored');
    out[key] = network;
  }
  return out;
}

function topLevelVolumes(project: string, file: ComposeFile, diag: Diagnostics): Record<string, StackVolume> {
  const out: Record<string, StackVolume> = {};
  for (const [key, raw] of Object.entries(file.volumes ?? {})) {
    const vol = raw ?? {};
    if (vol.driver !== undefined && vol.driver !== 'local') {
      diag.fail(['volumes', key, 'driver'], `unsupported driver ${quote(vol.driver)} (Pure volumes use the local driver)`);
    }
    const external = externalName(vol.external, vol.name, key);
    out[key] = { name: external ?? vol.name ?? `${project}_${key}`, external: external !== undefined, labels: stringMap(vol.labels) };
  }
  return out;
}
