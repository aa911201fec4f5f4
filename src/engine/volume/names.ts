/**
 * Volume names. A name becomes a directory under <root>/volumes/, so the rule is also the path-safety rule:
 * no "/", no leading "." (never "..", never a hidden tombstone of ours), as docker's local driver.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgument } from '../../errors/index.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateVolumeName(name: string): string {
  if (!VOLUME_NAME.test(name) || name.length > 255) {
    throw new InvalidArgument(`invalid volume name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`);
  }
  return name;
}

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name) && name.length <= 255;
}

/** A new anonymous or unnamed volume gets 64 hex digits, as docker's. */
export function newVolumeName(): string {
  return randomBytes(32).toString('hex');
}
