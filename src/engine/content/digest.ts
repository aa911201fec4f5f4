import { InvalidArgument } from '../../errors/index.js';

const DIGEST = /^sha256:([a-f0-9]{64})$/;

/** The hex part of a `sha256:<hex>` digest; anything else (other algorithms, bad hex) is InvalidArgument. */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m?.[1]) throw new InvalidArgument(`invalid digest "${digest}": expected sha256:<64 hex chars>`);
  return m[1];
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}
