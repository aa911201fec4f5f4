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
 * commander requires node:child_process at load, only to spawn executable subcommands, which Pure does not
 * have: give it a stand-in that requires the real module on first use (child_process and dgram cost ~4 ms).
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
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
  plugins: [lazyChildProcess],
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
