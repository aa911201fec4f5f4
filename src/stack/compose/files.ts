/**
 * Finding and parsing the compose files. Without `-f`, the first of compose.yaml, compose.yml,
 * docker-compose.yaml, docker-compose.yml in the working directory, then the first override file
 * (compose.override.yaml, compose.override.yml, docker-compose.override.yaml, docker-compose.override.yml)
 * if there is one, as Compose does. YAML is parsed with merge keys (`<<: *anchor`) on, as Compose files use them
 * with `x-*` extension blocks; a duplicate key is an error, as in Compose.
 */
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { InvalidArgument, NotFound } from '../../errors/index.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
export const OVERRIDE_FILES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

export interface SourceFile {
  path: string; // absolute
  text: string;
}

export type ReadFile = (file: string) => Promise<string>;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(readFile: ReadFile, file: string): Promise<string | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new InvalidArgument(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The files to merge, in order: the `-f` files (relative ones against workingDir), or the default files. */
export async function findFiles(files: readonly string[], workingDir: string, readFile: ReadFile): Promise<SourceFile[]> {
  if (files.length > 0) {
    const out: SourceFile[] = [];
    for (const file of files) {
      const absolute = path.resolve(workingDir, file);
      const text = await readIfExists(readFile, absolute);
      if (text === undefined) throw new NotFound(`cannot read compose file ${absolute}: no such file`);
      out.push({ path: absolute, text });
    }
    return out;
  }
  const out: SourceFile[] = [];
  for (const candidates of [DEFAULT_FILES, OVERRIDE_FILES]) {
    for (const name of candidates) {
      const absolute = path.join(workingDir, name);
      const text = await readIfExists(readFile, absolute);
      if (text !== undefined) {
        out.push({ path: absolute, text });
        break;
      }
    }
    if (out.length === 0) throw new NotFound(`no compose file found in ${workingDir} (${DEFAULT_FILES.join(', ')})`);
  }
  return out;
}

/** Parse one file's YAML; `name` is how errors name the file. The top level must be a mapping. */
export function parseComposeYaml(text: string, name: string): Record<string, unknown> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { merge: true, prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const error = doc.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new InvalidArgument(`${name}: not valid YAML at line ${line}, column ${col}: ${error.message.split('\n')[0] ?? ''}`);
  }
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 10_000 });
  } catch (err) {
    throw new InvalidArgument(`${name}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
  }
  if (tree === null || tree === undefined) throw new InvalidArgument(`${name}: the file is empty (expected a mapping with services:)`);
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    throw new InvalidArgument(`${name}: the top level must be a mapping (services:, networks:, ...), got ${Array.isArray(tree) ? 'a list' : `${typeof tree} ${JSON.stringify(tree)}`}`);
  }
  return tree as Record<string, unknown>;
}
