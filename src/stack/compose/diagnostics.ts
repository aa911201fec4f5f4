/**
 * Errors and warnings of the compose loader. Every error is ONE line naming the file, the key (as a path such
 * as `services.web.ports[1]`) and the value: `compose.yaml: services.web.restart: unknown restart policy
 * "sometimes" (no, always, on-failure[:N], unless-stopped)`. Warnings name the path only (they are printed
 * under the project, not per file): `services.web.cap_add: not supported by Pure, ignored`.
 *
 * With several files merged, a key's file is the last file that set it (or one of its parents): the origin
 * map is filled while the files are merged, so an error after the merge still names the right file.
 */
import { InvalidArgument } from '../../errors/index.js';

/** A key path in the compose tree: mapping keys and sequence indices. */
export type KeyPath = readonly (string | number)[];

/** `['services', 'web', 'ports', 1]` → `services.web.ports[1]`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** A value as an error message quotes it: strings in double quotes, the rest as compact JSON. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = (JSON.stringify(value) as string | undefined) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class Diagnostics {
  readonly warnings: string[] = [];
  private readonly origins = new Map<string, string>();

  /** defaultFile: the name used when no file set the key (the first file). */
  constructor(private readonly defaultFile: string) {}

  /** Record that `file` sets every key of `tree` (call in merge order: later files win). */
  recordOrigins(file: string, tree: unknown, path: (string | number)[] = []): void {
    if (!isMapping(tree)) return;
    for (const [key, value] of Object.entries(tree)) {
      const child = [...path, key];
      this.origins.set(formatPath(child), file);
      this.recordOrigins(file, value, child);
    }
  }

  /** The file that set `path`, or its nearest parent that some file set. */
  fileOf(path: KeyPath): string {
    for (let n = path.length; n > 0; n--) {
      const file = this.origins.get(formatPath(path.slice(0, n)));
      if (file !== undefined) return file;
    }
    return this.defaultFile;
  }

  /** Throw the one-line InvalidArgument for `path`. */
  fail(path: KeyPath, message: string): never {
    throw new InvalidArgument(path.length === 0 ? `${this.fileOf(path)}: ${message}` : `${this.fileOf(path)}: ${formatPath(path)}: ${message}`);
  }

  /** Add a warning once (the same text twice is one warning). */
  warn(path: KeyPath, message: string): void {
    const line = path.length === 0 ? message : `${formatPath(path)}: ${message}`;
    if (!this.warnings.includes(line)) this.warnings.push(line);
  }
}
