/** Container names and ids as Docker users know them: 64-hex ids, unique prefixes, generated names. */
import { randomBytes, randomInt } from 'node:crypto';
import { InvalidArgument } from '../../errors/index.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** Docker's rule for user-given names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, an optional leading "/" dropped. */
export function validateName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_RE.test(n) || n.length > 128) {
    throw new InvalidArgument(`invalid container name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return n;
}

const ADJECTIVES = [
  'brave', 'calm', 'clever', 'eager', 'fast', 'gentle', 'happy', 'keen', 'lucid', 'merry',
  'nimble', 'proud', 'quiet', 'sharp', 'steady', 'swift', 'tidy', 'vivid', 'wise', 'zen',
];
const NOUNS = [
  'curie', 'darwin', 'euler', 'fermat', 'gauss', 'hopper', 'kepler', 'lamport', 'lovelace', 'noether',
  'pascal', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wirth', 'hamilton', 'dijkstra', 'knuth',
];

/** A readable random name ("swift_turing"); the caller retries with a numeric suffix on a clash. */
export function generateName(attempt = 0): string {
  const a = ADJECTIVES[randomInt(ADJECTIVES.length)] ?? 'calm';
  const n = NOUNS[randomInt(NOUNS.length)] ?? 'turing';
  return attempt === 0 ? `${a}_${n}` : `${a}_${n}${attempt}`;
}
