/** `version`, `info`, and `daemon` (which runs the daemon in this process). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ContainerSummary, ImageSummary, VersionInfo } from '../api/types.js';
import { checkFormat, type CliContext } from './context.js';
import { PURE_VERSION } from '../version.js';

/** The client's own version: the CLI and the daemon are one release. */
export const CLIENT_VERSION = PURE_VERSION;

export function registerSystemCommands(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('show the client\'s and the daemon\'s versions')
    .option('-f, --format <format>', 'output format: table (default) or json')
    .action(async (opts: { format?: string }) => {
      const json = checkFormat(opts.format);
      const client = { version: CLIENT_VERSION, apiVersion: 'v1', node: process.version, os: process.platform, arch: process.arch };
      let server: VersionInfo | undefined;
      try {
        server = await ctx.client().json<VersionInfo>('GET', '/v1/version');
      } catch (err) {
        if (json) ctx.stdout.write(`${JSON.stringify({ client, server: null })}\n`);
        else ctx.stdout.write(clientSection(client));
        throw err;
      }
      if (json) {
        ctx.stdout.write(`${JSON.stringify({ client, server })}\n`);
        return;
      }
      ctx.stdout.write(
        `${clientSection(client)}\nServer: Pure Engine\n` +
          pairs([
            ['Version', server.version],
            ['API version', server.apiVersion],
            ['OS/Arch', `${server.os}/${server.arch}`],
            ['Kernel', server.kernel],
            ['Runtime', `${server.runtime.name} ${server.runtime.version} (${server.runtime.binary})`],
            ['Conmon', server.conmon],
          ]),
      );
    });

  program
    .command('info')
    .description('show system-wide information: containers, images, runtime, storage')
    .option('-f, --format <format>', 'output format: table (default) or json')
    .action(async (opts: { format?: string }) => {
      const json = checkFormat(opts.format);
      const client = ctx.client();
      const [version, containers, images] = await Promise.all([
        client.json<VersionInfo>('GET', '/v1/version'),
        client.json<ContainerSummary[]>('GET', '/v1/containers', undefined, { query: { all: true } }),
        client.json<ImageSummary[]>('GET', '/v1/images'),
      ]);
      const count = (state: string): number => containers.filter((c) => c.state === state).length;
      const summary = {
        containers: containers.length,
        running: count('running'),
        paused: count('paused'),
        stopped: containers.length - count('running') - count('paused'),
        images: images.length,
        ...version,
      };
      if (json) {
        ctx.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      ctx.stdout.write(
        pairs([
          ['Containers', String(summary.containers)],
          [' Running', String(summary.running)],
          [' Paused', String(summary.paused)],
          [' Stopped', String(summary.stopped)],
          ['Images', String(summary.images)],
          ['Server Version', version.version],
          ['Storage Driver', version.snapshotter],
          ['Cgroup Version', version.cgroupMode],
          ['Runtime', `${version.runtime.name} ${version.runtime.version}`],
          ['Conmon', version.conmon],
          ['Kernel Version', version.kernel],
          ['OS/Arch', `${version.os}/${version.arch}`],
          ['Pure Root Dir', version.root],
        ]),
      );
    });

  program
    .command('daemon')
    .description('run the Pure daemon in the foreground (serves the API on its unix socket)')
    .option('--root <dir>', 'state directory', '/var/lib/pure')
    .option('--run-root <dir>', 'runtime directory (socket, runc state)', '/run/pure')
    .option('--runtime <name>', 'OCI runtime: runc or crun')
    .option('--snapshotter <name>', 'root filesystem snapshotter: overlay or copy')
    .option('--log-level <level>', 'log level: debug, info, warn, error')
    .action(async (opts: Record<string, string | undefined>) => {
      // main.ts normally hands `pure daemon ...` straight to runDaemon; this path rebuilds the flags.
      const argv: string[] = [];
      for (const [flag, key] of [['--root', 'root'], ['--run-root', 'runRoot'], ['--runtime', 'runtime'], ['--snapshotter', 'snapshotter'], ['--log-level', 'logLevel']] as const) {
        const value = opts[key];
        if (value !== undefined) argv.push(flag, value);
      }
      await runDaemon(argv);
    });
}

interface DaemonEntry {
  main(argv: string[]): Promise<void>;
}

/** Load the daemon only for this command: the other commands never pay for fastify and the engine. */
export async function runDaemon(argv: string[]): Promise<void> {
  // A computed specifier: the daemon is a separate part of the build, loaded only here.
  // dist/cli/*.js when run unbundled, dist/pure.cjs when bundled: the daemon is dist/daemon/main.js
  const bundled = new URL('./daemon/main.js', import.meta.url);
  const entry = (existsSync(fileURLToPath(bundled)) ? bundled : new URL('../daemon/main.js', import.meta.url)).href;
  const daemon = (await import(entry)) as DaemonEntry;
  await daemon.main(argv);
}

function clientSection(c: { version: string; apiVersion: string; node: string; os: string; arch: string }): string {
  return `Client: Pure\n${pairs([
    ['Version', c.version],
    ['API version', c.apiVersion],
    ['Node version', c.node],
    ['OS/Arch', `${c.os}/${c.arch}`],
  ])}`;
}

function pairs(entries: readonly [string, string][]): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 1;
  return entries.map(([k, v]) => ` ${`${k}:`.padEnd(width)} ${v}`).join('\n') + '\n';
}
