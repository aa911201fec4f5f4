// Bundle the CLI (dist/cli/main.js and what it imports) into one CommonJS file, dist/pure-cli.cjs, which
// dist/pure.cjs (scripts/cli-entry.cjs, the process entry bin/pure runs) loads with a V8 code cache made here.
// Measured on Node 20 (`pure ps`, medians): one file instead of ~40 modules saves ~25 ms; CommonJS instead of
// ESM another ~15 ms, for two reasons: Node's ESM loader costs several ms to start and per module, and in a
// CommonJS bundle the modules main.ts imports lazily (each command module, attach.ts with ws) are initialised
// — and their `node:` built-ins required — only when first imported, where an ESM bundle hoists every
// built-in import to its top. (ESM code splitting was tried: `pure ps` gained less, and `pure --help`, which
// loads every chunk, lost 20 ms.)
// The daemon is not bundled: `pure daemon` imports dist/daemon/main.js (ESM) on demand.
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import { build } from 'esbuild';

// outputs of earlier builds
await rm('dist/pure.mjs', { force: true });
await rm('dist/pure-cli.mjs', { force: true });
await rm('dist/pure-cli.cjs.cache', { force: true });

/**
 * Built-ins that modules in the bundle import but few commands use: the bundle gets stand-ins whose exports
 * are getters that require the real module on first use. Which modules a command initialises is decided by
 * whole modules (src/lib's index pulls in its atomic file writes, and so node:crypto and node:fs/promises,
 * for `run`: ~4 ms); commander requires node:child_process only to spawn executable subcommands, which Pure
 * has none of (~3 ms with dgram, for every command).
 */
const LAZY_BUILTINS = ['node:child_process', 'node:crypto', 'node:fs/promises', 'node:os', 'node:readline', 'node:stream/promises'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const require = createRequire(import.meta.url);
    b.onResolve({ filter: /^node:/ }, (args) => {
      if (!LAZY_BUILTINS.includes(args.path)) return undefined;
      // the stand-in's own require() of the module is the real one
      if (args.namespace === 'lazy-builtin') return { path: args.path, external: true };
      return { path: args.path, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const getters = Object.keys(require(args.path)).map((key) => `  ${JSON.stringify(key)}: { enumerable: true, get: () => load()[${JSON.stringify(key)}] },`);
      return {
        contents: `let real;\nconst load = () => (real ??= require(${JSON.stringify(args.path)}));\nmodule.exports = Object.defineProperties({}, {\n${getters.join('\n')}\n});\n`,
        loader: 'js',
      };
    });
  },
};

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/pure-cli.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  plugins: [lazyBuiltins],
  // the CLI finds the daemon and bench modules beside itself (new URL('./daemon/main.js', import.meta.url))
  define: { 'import.meta.url': '__pureModuleUrl' },
  banner: { js: "const __pureModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await copyFile('scripts/cli-entry.cjs', 'dist/pure.cjs');

// The code cache: compile the bundle, run a few commands so that the functions most commands run (commander's
// parsing and help, the HTTP client, every command's registration) are compiled too, then save what V8 has.
// The commands run against a socket that does not exist: they fail at their first request, with no effect.
const { load, file } = createRequire(import.meta.url)('../dist/pure.cjs');
const { exports: cli, script } = load(undefined);
const sink = () => new Writable({ write: (_chunk, _enc, done) => done() });
for (const argv of [['--help'], ['ps'], ['run', '--rm', '--network', 'none', 'busybox', 'true'], ['images'], ['version']]) {
  await cli.runCli(argv, { stdout: sink(), stderr: sink(), stdin: new PassThrough(), env: { PURE_SOCKET: '/nonexistent/pure.sock' }, cwd: '/' });
}
await writeFile(`${file}.cache`, script.createCachedData());
