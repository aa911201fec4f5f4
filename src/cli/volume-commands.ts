/**
 * `pure volume create|ls|inspect|rm|prune`, docker's verbs, flags and output (the local driver only).
 */
import type { Command } from 'commander';
import { FailedPrecondition, InvalidArgument } from '../errors/index.js';
import type { Volume, VolumePruneResponse } from '../api/types.js';
import { formatSize, renderTable } from './format.js';
import { checkFormat, collect, forEachTarget, printError, printJsonLines, seg, type CliContext } from './context.js';

export function registerVolumeCommands(program: Command, ctx: CliContext): void {
  const group = program.command('volume').description('manage volumes (create, ls, inspect, rm, prune)');

  group
    .command('create')
    .description('create a volume (no name: a random 64-hex one); prints its name')
    .option('-d, --driver <name>', 'volume driver: local (the only one)', 'local')
    .option('-l, --label <key=value>', 'set a label; repeatable', collect)
    .argument('[name]')
    .action(async (name: string | undefined, opts: { driver: string; label?: string[] }) => {
      if (opts.driver !== 'local') throw new InvalidArgument(`invalid --driver "${opts.driver}": only "local" exists`);
      const labels: Record<string, string> = {};
      for (const entry of opts.label ?? []) {
        const eq = entry.indexOf('=');
        const key = eq === -1 ? entry : entry.slice(0, eq);
        if (key === '') throw new InvalidArgument(`invalid --label "${entry}": a key is required`);
        labels[key] = eq === -1 ? '' : entry.slice(eq + 1);
      }
      const body = { ...(name === undefined ? {} : { name }), labels };
      const v = await ctx.client().json<Volume>('POST', '/v1/volumes', body);
      ctx.stdout.write(`${v.name}\n`);
    });

  group
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only names')
    .option('-f, --filter <key=value>', 'dangling=true|false, name=…, label=KEY[=VALUE], driver=local; repeatable', collect)
    .option('--format <format>', 'json: one JSON object per line')
    .action(async (opts: { quiet?: boolean; filter?: string[]; format?: string }) => {
      const json = checkFormat(opts.format);
      const volumes = await ctx.client().json<Volume[]>('GET', '/v1/volumes', undefined, { query: { filter: opts.filter } });
      if (opts.quiet) {
        for (const v of volumes) ctx.stdout.write(`${v.name}\n`);
      } else if (json) {
        printJsonLines(ctx, volumes);
      } else {
        ctx.stdout.write(renderTable(['DRIVER', 'VOLUME NAME'], volumes.map((v) => [v.driver, v.name])));
      }
    });

  group
    .command('inspect')
    .description('print volumes\' details as a JSON array')
    .option('-f, --format <format>', 'output format: json (the default)')
    .argument('<volume...>')
    .action(async (names: string[], opts: { format?: string }) => {
      checkFormat(opts.format);
      const found: Volume[] = [];
      for (const name of names) {
        try {
          found.push(await ctx.client().json<Volume>('GET', `/v1/volumes/${seg(name)}`));
        } catch (err) {
          printError(ctx, err);
          ctx.exitCode = Math.max(ctx.exitCode, 1);
        }
      }
      ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });

  group
    .command('rm')
    .alias('remove')
    .description('remove volumes (refused while a container, running or not, uses one)')
    .option('-f, --force', 'do not complain about volumes that do not exist')
    .argument('<volume...>')
    .action(async (names: string[], opts: { force?: boolean }) => {
      await forEachTarget(ctx, names, async (name) => {
        await ctx.client().json('DELETE', `/v1/volumes/${seg(name)}`, undefined, { query: { force: opts.force } });
      });
    });

  group
    .command('prune')
    .description('remove anonymous volumes no container uses (-a: named ones too)')
    .option('-a, --all', 'remove every unused volume, named ones included')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <label=…>', 'only volumes with this label (label=KEY[=VALUE]); repeatable', collect)
    .action(async (opts: { all?: boolean; force?: boolean; filter?: string[] }) => {
      if (!opts.force) {
        ctx.stdout.write(
          `WARNING! This will remove ${opts.all ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] `,
        );
        const answer = (await readLine(ctx.stdin)).trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes') throw new FailedPrecondition('volume prune has been cancelled');
      }
      const res = await ctx.client().json<VolumePruneResponse>('POST', '/v1/volumes/prune', undefined, {
        query: { all: opts.all, filter: opts.filter },
      });
      if (res.volumesDeleted.length > 0) ctx.stdout.write(`Deleted Volumes:\n${res.volumesDeleted.join('\n')}\n\n`);
      ctx.stdout.write(`Total reclaimed space: ${formatSize(res.spaceReclaimed)}\n`);
    });
}

/** One line of the user's answer (or whatever stdin holds before it ends). */
function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (b: Buffer) => {
      text += b.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.resume();
  });
}
