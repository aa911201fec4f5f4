/**
 * The dotenv format of `<project>/.env` and of `env_file:` files, as Compose reads them:
 *
 *   # a comment                     blank lines and comment lines are skipped
 *   export KEY=value                an `export ` prefix is tolerated
 *   KEY=value # comment             unquoted: trimmed, a ` #` starts a comment
 *   KEY="a\nb ${OTHER}"             double quotes: \n \t \\ \" escapes, interpolated
 *   KEY='literal $x'                single quotes: taken as written
 *   KEY                             no `=`: the value from the environment, dropped when unset
 *
 * Unquoted and double-quoted values are interpolated (`${VAR}` etc.) from the environment and the keys read
 * earlier in the same file, as Compose does; a missing variable there is "" without a warning.
 */
import { InvalidArgument } from '../../errors/index.js';
import { InterpolationError, interpolateString } from './interpolate.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };

/** Parse `text` (from `file`, named in errors as `file:line`); `env` resolves bare keys and `${VAR}`. */
export function parseEnvFile(text: string, file: string, env: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const where = `${file}:${index + 1}`;
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('export ')) line = line.slice('export '.length).trimStart();
    const eq = line.indexOf('=');
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) throw new InvalidArgument(`${where}: invalid variable name "${key}" (expected KEY=VALUE)`);
    if (eq < 0) {
      const fromEnv = env[key];
      if (fromEnv !== undefined) out[key] = fromEnv;
      return;
    }
    const lookup = { ...env, ...out };
    try {
      out[key] = parseValue(line.slice(eq + 1).trim(), lookup);
    } catch (err) {
      if (err instanceof InterpolationError || err instanceof SyntaxError) {
        throw new InvalidArgument(`${where}: ${key}: ${err.message}`);
      }
      throw err;
    }
  });
  return out;
}

function parseValue(text: string, env: Readonly<Record<string, string>>): string {
  const interpolate = (s: string): string => interpolateString(s, { env, onUnset: () => undefined });
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    if (end < 0) throw new SyntaxError(`unterminated single quote in ${JSON.stringify(text)}`);
    return text.slice(1, end);
  }
  if (text.startsWith('"')) {
    let value = '';
    for (let i = 1; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '"') return interpolate(value);
      if (c === '\\' && i + 1 < text.length) {
        const next = text[++i] as string;
        // \$ stays escaped through interpolation ($$), so it ends up a literal $
        value += next === '$' ? '$$' : (ESCAPES[next] ?? `\\${next}`);
      } else {
        value += c;
      }
    }
    throw new SyntaxError(`unterminated double quote in ${JSON.stringify(text)}`);
  }
  const comment = /\s#/.exec(text);
  return interpolate((comment ? text.slice(0, comment.index) : text).trim());
}
