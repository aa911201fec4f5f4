/**
 * `pure image bootstrap`, `pure image prune` and `pure system df`. Bootstrap follows the daemon's NDJSON
 * progress like pull (debootstrap's own lines, as they come).
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InvalidArgument, PureError } from '../errors/index.js';
import type { ImagePruneResponse, SystemDfResponse, TransferLine } from '../api/types.js';
import { formatSize, renderTable } from './format.js';
import { checkFormat, type CliContext } from './context.js';

export function registerStorageCommands(program: Command, ctx: CliContext): void {
  const image = program.commands.find((c) => c.name() === 'image') ?? program.command('image');
  addBootstrap(image.command('bootstrap'), ctx);
  addPrune(image.command('prune'), ctx);
  const system = program.commands.find((c) => c.name() === 'system') ?? program.command('system').description('manage Pure (df)');
  addDf(system.command('df'), ctx);
}

function addBootstrap(cmd: Command, ctx: CliContext): void {
  cmd
    .description('build a base image on this host: busybox (from busybox-static) or debian:SUITE (debootstrap --variant=minbase)')
    .option('--include <pkg,...>', 'extra Debian packages (debian only)')
    .option('--mirror <url>', 'Debian mirror (debian only; default http://deb.debian.org/debian)')
    .option('-q, --quiet', 'print only the image reference')
    .argument('<source>', 'busybox, or debian:SUITE (e.g. debian:bookworm)')
    .argument('[reference]', 'name[:tag] of the new image (default: busybox:latest, or the source)')
    .action(async (source: string, ref: string | undefined, opts: { include?: string; mirror?: string; quiet?: boolean }) => {
      if (source === 'busybox' && (opts.include !== undefined || opts.mirror !== undefined)) throw new InvalidArgument('--include and --mirror apply to debian:SUITE only');
      let done: TransferLine | undefined;
      const lines = ctx.client().stream<TransferLine>('/v1/images/bootstrap', { method: 'POST', query: { source, ref, include: opts.include, mirror: opts.mirror } });
      for await (const e of lines) {
        if (e.status === 'error') throw new PureError(e.error?.code ?? 'internal', e.error?.message ?? 'the bootstrap failed');
        if (e.status === 'result') done = e;
        else if (!opts.quiet && e.message !== undefined) ctx.stdout.write(`${e.message}\n`);
      }
      if (!done) throw new PureError('unavailable', 'the daemon ended the bootstrap without a result');
      if (!opts.quiet) ctx.stdout.write(`Bootstrapped ${done.ref ?? source}: ${done.id ?? ''}\n`);
      ctx.stdout.write(`${done.ref ?? source}\n`);
    });
}

function addPrune(cmd: Command, ctx: CliContext): void {
  cmd
    .description('remove dangling images (-a: every image no container uses) and blobs no image references')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      if (!opts.force) {
        const what = opts.all ? 'all images without at least one container associated to them' : 'all dangling images';
        if (!(await confirm(ctx, `WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `))) return;
      }
      const res = await ctx.client().json<ImagePruneResponse>('POST', '/v1/images/prune', undefined, { query: { all: opts.all ? '1' : undefined } });
      if (res.imagesDeleted.length > 0) {
        ctx.stdout.write('Deleted Images:\n');
        for (const d of res.imagesDeleted) ctx.stdout.write('untagged' in d ? `untagged: ${d.untagged}\n` : `deleted: ${d.deleted}\n`);
        ctx.stdout.write('\n');
      }
      ctx.stdout.write(`Total reclaimed space: ${formatSize(res.spaceReclaimed)}\n`);
    });
}

function addDf(cmd: Command, ctx: CliContext): void {
  cmd
    .description('show disk usage of images, containers and volumes')
    .option('--format <format>', 'output format: table (default) or json')
    .action(async (opts: { format?: string }) => {
      const json = checkFormat(opts.format);
      const df = await ctx.client().json<SystemDfResponse>('GET', '/v1/system/df');
      if (json) {
        ctx.stdout.write(`${JSON.stringify(df)}\n`);
        return;
      }
      const rows = (
        [
          ['Images', df.images],
          ['Containers', df.containers],
          ['Local Volumes', df.volumes],
          ['Build Cache', df.buildCache],
        ] as const
      ).map(([type, r]) => [type, String(r.total), String(r.active), formatSize(r.size), reclaimable(r.reclaimable, r.size)]);
      ctx.stdout.write(renderTable(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], rows));
    });
}

/** docker's `2.1MB (45%)`. */
function reclaimable(bytes: number, of: number): string {
  return of > 0 ? `${formatSize(bytes)} (${Math.round((bytes * 100) / of)}%)` : formatSize(bytes);
}

async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.stdout.write(question);
  const rl = createInterface({ input: ctx.stdin });
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim());
    return false;
  } finally {
    rl.close();
  }
}
