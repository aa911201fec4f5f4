/**
 * A service's config hash: sha256 over a canonical JSON (sorted keys, no undefined) of every normalised field
 * that shapes its containers. replicas, dependsOn and profiles are left out (they change how many containers
 * run and when, not what each one is), so `scale` never recreates; equal input gives an equal hash.
 */
import { createHash } from 'node:crypto';
import type { StackService } from '../types.js';

/** JSON with object keys sorted at every level; undefined fields are dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

export function configHash(service: Omit<StackService, 'configHash'> & { configHash?: string }): string {
  const { replicas: _replicas, dependsOn: _dependsOn, profiles: _profiles, configHash: _hash, ...shaping } = service;
  return createHash('sha256').update(canonicalJson(shaping)).digest('hex');
}
