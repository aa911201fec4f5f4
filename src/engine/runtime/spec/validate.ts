/** Checks on SpecOptions; every failure is InvalidArgument naming the option, so the CLI can point at the flag. */
import { posix } from 'node:path';
import { InvalidArgument } from '../../../errors/index.js';
import { ALL_CAPABILITIES, RLIMIT_TYPES } from './defaults.js';
import type { SpecOptions } from './spec-options.js';

/** Docker refuses a memory limit under 6 MiB: the runtime itself would not fit. */
export const MIN_MEMORY = 6 * 1024 * 1024;

function fail(field: string, why: string): never {
  throw new InvalidArgument(`invalid ${field}: ${why}`);
}

export function checkAbsolute(field: string, path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) {
    fail(field, `${JSON.stringify(path)} is not an absolute path`);
  }
  if (path.split('/').includes('..')) fail(field, `${JSON.stringify(path)} must not contain ".."`);
  return posix.normalize(path);
}

function checkId(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `${value} is not an integer in ${min}..${max}`);
}

/** "sys_admin", "CAP_SYS_ADMIN", "ALL" → canonical "CAP_SYS_ADMIN" / "ALL". */
export function normalizeCapability(field: string, name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(cap)) fail(field, `unknown capability "${name}"`);
  return cap;
}

export function normalizeRlimit(field: string, type: string): string {
  const upper = type.trim().toUpperCase();
  const name = upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`;
  if (!RLIMIT_TYPES.includes(name)) fail(field, `unknown rlimit "${type}"`);
  return name;
}

export function validateSpecOptions(o: SpecOptions): void {
  if (typeof o.id !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.id)) fail('id', `${JSON.stringify(o.id)} is not a valid container id`);
  checkAbsolute('rootfs', o.rootfs);
  if (!Array.isArray(o.args) || o.args.length === 0 || !o.args.every((a) => typeof a === 'string')) {
    fail('args', 'the command must be a non-empty list of strings');
  }
  for (const e of o.env ?? []) {
    if (typeof e !== 'string' || !/^[^=]+=/.test(e) || e.includes('\0')) fail('env', `${JSON.stringify(e)} is not KEY=value`);
  }
  if (o.cwd !== undefined) checkAbsolute('cwd', o.cwd);
  if (o.user) {
    checkId('user.uid', o.user.uid, 0, 0xfffffffe);
    checkId('user.gid', o.user.gid, 0, 0xfffffffe);
    for (const g of o.user.additionalGids ?? []) checkId('user.additionalGids', g, 0, 0xfffffffe);
    if (o.user.uid === undefined || o.user.gid === undefined) fail('user', 'uid and gid are required');
  }
  if (o.hostname !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(o.hostname)) {
    fail('hostname', `${JSON.stringify(o.hostname)} is not a valid hostname (letters, digits, ".", "-"; at most 63)`);
  }
  if (o.network !== undefined && o.network !== 'none' && o.network !== 'host') {
    if (typeof o.network !== 'object' || o.network === null) fail('network', `${JSON.stringify(o.network)}: expected "none", "host" or { path }`);
    checkAbsolute('network.path', o.network.path);
  }
  for (const c of o.capAdd ?? []) normalizeCapability('capAdd', c);
  for (const c of o.capDrop ?? []) normalizeCapability('capDrop', c);
  for (const r of o.rlimits ?? []) {
    normalizeRlimit('rlimits', r.type);
    if (!Number.isInteger(r.soft) || !Number.isInteger(r.hard) || r.soft < 0 || r.hard < 0) {
      fail('rlimits', `${r.type}: soft and hard must be non-negative integers`);
    }
    if (r.soft > r.hard) fail('rlimits', `${r.type}: soft limit ${r.soft} is above hard limit ${r.hard}`);
  }
  if (o.nofileCeiling != null) checkId('nofileCeiling', o.nofileCeiling, 0, Number.MAX_SAFE_INTEGER);
  checkId('oomScoreAdj', o.oomScoreAdj, -1000, 1000);
  for (const b of o.binds ?? []) {
    checkAbsolute('binds.source', b.source);
    checkAbsolute('binds.destination', b.destination);
  }
  for (const t of o.tmpfs ?? []) {
    checkAbsolute('tmpfs.destination', t.destination);
    for (const opt of t.options ?? []) if (typeof opt !== 'string' || opt.includes(',')) fail('tmpfs.options', `${JSON.stringify(opt)}: one option per entry`);
  }
  if (o.etcHosts !== undefined) checkAbsolute('etcHosts', o.etcHosts);
  if (o.etcHostname !== undefined) checkAbsolute('etcHostname', o.etcHostname);
  if (o.etcResolvConf !== undefined) checkAbsolute('etcResolvConf', o.etcResolvConf);
  if (o.shmSize !== undefined && (!Number.isInteger(o.shmSize) || o.shmSize <= 0)) fail('shmSize', `${o.shmSize} must be a positive number of bytes`);
  const l = o.limits ?? {};
  if (l.memory !== undefined && (!Number.isInteger(l.memory) || l.memory < MIN_MEMORY)) {
    fail('limits.memory', `${l.memory}: minimum memory limit is 6MB`);
  }
  if (l.memorySwap !== undefined && l.memorySwap !== -1) {
    if (l.memory === undefined) fail('limits.memorySwap', 'set the memory limit too when setting a memory+swap limit');
    if (!Number.isInteger(l.memorySwap) || l.memorySwap < l.memory) {
      fail('limits.memorySwap', `${l.memorySwap}: memory+swap must be at least the memory limit (${l.memory}) or -1`);
    }
  }
  if (l.cpus !== undefined && (!Number.isFinite(l.cpus) || l.cpus <= 0 || l.cpus * 100000 < 1000)) {
    fail('limits.cpus', `${l.cpus} must be at least 0.01`);
  }
  if (l.cpuShares !== undefined && (!Number.isInteger(l.cpuShares) || l.cpuShares < 2 || l.cpuShares > 262144)) {
    fail('limits.cpuShares', `${l.cpuShares} must be an integer in 2..262144`);
  }
  if (l.pidsLimit !== undefined && !Number.isInteger(l.pidsLimit)) fail('limits.pidsLimit', `${l.pidsLimit} must be an integer`);
  if (o.cgroupsPath !== undefined) {
    const p = checkAbsolute('cgroupsPath', o.cgroupsPath);
    if (p === '/') fail('cgroupsPath', 'must name a cgroup below the root');
  }
  if (o.seccomp !== undefined && o.seccomp !== 'default' && o.seccomp !== 'unconfined') {
    fail('seccomp', `${JSON.stringify(o.seccomp)}: expected "default" or "unconfined"`);
  }
  if (o.initPath !== undefined) checkAbsolute('initPath', o.initPath);
  for (const [k, v] of Object.entries(o.annotations ?? {})) {
    if (typeof v !== 'string') fail('annotations', `value of "${k}" must be a string`);
  }
}
