/**
 * Variable interpolation as Compose does it, on every string value of one file before the files are merged
 * (keys are never interpolated). The environment is the CLI's environment overlaid on `<project>/.env`.
 *
 *   $VAR  ${VAR}        the value; unset → "" and a warning
 *   ${VAR:-default}     default when VAR is unset or empty      ${VAR-default}  only when unset
 *   ${VAR:?message}     error when VAR is unset or empty        ${VAR?message}  only when unset
 *   ${VAR:+alt}         alt when VAR is set and not empty       ${VAR+alt}      alt when set
 *   $$                  a literal $
 *
 * Defaults, messages and alternatives are interpolated themselves (`${A:-${B}}`), and only when used. A `$`
 * followed by anything else (`$1`, `$ `, a trailing `$`) is an error, as in Compose: write `$$`.
 */
import { isMapping, quote } from './diagnostics.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;

/** Why a string could not be interpolated; the caller adds the file and key. */
export class InterpolationError extends Error {}

export interface InterpolateOptions {
  env: Readonly<Record<string, string>>;
  /** Called for each plain `$VAR`/`${VAR}` whose variable is unset (it becomes ""). */
  onUnset: (name: string) => void;
}

/** Interpolate one string. Throws InterpolationError with a message that names the variable or the text. */
export function interpolateString(text: string, opts: InterpolateOptions): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      if (end < 0) throw new InterpolationError(`unterminated "\${" in ${quote(text)}`);
      out += expandBraced(text.slice(dollar + 2, end), opts);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (name === undefined) {
        throw new InterpolationError(`invalid interpolation "${text.slice(dollar, dollar + 2)}" in ${quote(text)} (write $$ for a literal $)`);
      }
      const value = opts.env[name];
      if (value === undefined) opts.onUnset(name);
      out += value ?? '';
      i = dollar + 1 + name.length;
    }
  }
  return out;
}

/** The index of the `}` closing a `${` whose body starts at `start`, counting nested `${...}`; -1 if none. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let j = start; j < text.length; j++) {
    const c = text[j];
    if (c === '$' && (text[j + 1] === '{' || text[j + 1] === '$')) {
      if (text[j + 1] === '{') depth++;
      j++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function expandBraced(body: string, opts: InterpolateOptions): string {
  const m = BRACED.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation "\${${body}}": expected \${NAME}, \${NAME:-default}, \${NAME:?message} or \${NAME:+alternative}`);
  const name = m[1] as string;
  const op = m[2];
  const arg = m[3] ?? '';
  const value = opts.env[name];
  const isSet = value !== undefined;
  const isNonEmpty = isSet && value !== '';
  const sub = (): string => interpolateString(arg, opts);
  switch (op) {
    case undefined:
      if (!isSet) opts.onUnset(name);
      return value ?? '';
    case ':-':
      return isNonEmpty ? value : sub();
    case '-':
      return isSet ? value : sub();
    case ':?':
    case '?': {
      if (op === ':?' ? isNonEmpty : isSet) return value as string;
      const message = sub();
      const state = isSet ? 'is empty' : 'is unset';
      throw new InterpolationError(`required variable ${name} ${state}${message === '' ? '' : `: ${message}`}`);
    }
    case ':+':
      return isNonEmpty ? sub() : '';
    default: // '+'
      return isSet ? sub() : '';
  }
}

/**
 * Interpolate every string value of a parsed file. `fail(path, message)` reports an error at a key;
 * `warn(path, message)` a plain variable that is unset.
 */
export function interpolateTree(
  tree: unknown,
  env: Readonly<Record<string, string>>,
  report: { fail: (path: (string | number)[], message: string) => never; warn: (path: (string | number)[], message: string) => void },
  path: (string | number)[] = [],
): unknown {
  if (typeof tree === 'string') {
    try {
      return interpolateString(tree, {
        env,
        onUnset: (name) => report.warn(path, `variable ${name} is unset, using ""`),
      });
    } catch (err) {
      if (err instanceof InterpolationError) report.fail(path, err.message);
      throw err;
    }
  }
  if (Array.isArray(tree)) return tree.map((item, i) => interpolateTree(item, env, report, [...path, i]));
  if (isMapping(tree)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(tree)) out[key] = interpolateTree(value, env, report, [...path, key]);
    return out;
  }
  return tree;
}
