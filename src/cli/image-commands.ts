/**
 * Image commands: import, load, images, tag, rmi, and the `image ls|inspect|rm|import|load|tag` group that
 * docker also has. Tarballs are streamed to the daemon as the request body, never buffered here.
 */
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { InvalidArgument, PureError } from '../errors/index.js';
import type { ImageDeleteResponse, ImageInspect, ImageSummary, LoadResponse } from '../api/types.js';
import { formatSize, renderTable, shortId, splitRepoTag, timeAgo } from './format.js';
import { checkFormat, collect, forEachTarget, printJsonLines, seg, type CliContext } from './context.js';

export function registerImageCommands(program: Command, ctx: CliContext): void {
  const group = program.command('image').description('manage images (ls, inspect, rm, import, load, tag)');
  for (const parent of [program, group]) {
    const top = parent === program;
    addImport(parent.command('import'), ctx);
    addLoad(parent.command('load'), ctx);
    addList(parent.command(top ? 'images' : 'ls'), ctx);
    addTag(parent.command('tag'), ctx);
    addRemove(parent.command(top ? 'rmi' : 'rm'), ctx);
  }
  group
    .command('inspect')
    .description('print images\' details as a JSON array')
    .option('-f, --format <format>', 'output format: json (the default)')
    .argument('<image...>')
    .action(async (images: string[], opts: { format?: string }) => {
      checkFormat(opts.format);
      const found: ImageInspect[] = [];
      for (const image of images) {
        try {
          found.push(await ctx.client().json<ImageInspect>('GET', `/v1/images/${seg(image)}`));
        } catch (err) {
          ctx.stderr.write(`pure: ${(err as Error).message}\n`);
          ctx.exitCode = Math.max(ctx.exitCode, 1);
        }
      }
      ctx.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    });
}

function addImport(cmd: Command, ctx: CliContext): void {
  cmd
    .description('make an image from a root filesystem tarball (FILE, or - for stdin); prints its id')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK); repeatable', collect)
    .argument('<file>', 'tarball of a root filesystem, or - to read it from stdin')
    .argument('<reference>', 'name[:tag] for the new image')
    .action(async (file: string, ref: string, opts: { change?: string[] }) => {
      const body = await openInput(ctx, file);
      const image = await ctx.client().upload<ImageInspect>('/v1/images/import', body, {
        query: { ref, change: opts.change },
      });
      ctx.stdout.write(`${image.id}\n`);
    });
}

function addLoad(cmd: Command, ctx: CliContext): void {
  cmd
    .description('load images from a docker-save or OCI-layout tarball (file or stdin)')
    .option('-i, --input <file>', 'read the tarball from this file instead of stdin')
    .option('-q, --quiet', 'print nothing')
    .action(async (opts: { input?: string; quiet?: boolean }) => {
      if (opts.input === undefined && ctx.stdin.isTTY) {
        throw new InvalidArgument('requested load from stdin, but stdin is a terminal (use -i FILE or a pipe)');
      }
      const body = await openInput(ctx, opts.input ?? '-');
      const res = await ctx.client().upload<LoadResponse>('/v1/images/load', body);
      if (opts.quiet) return;
      for (const image of res.loaded) {
        if (image.repoTags.length === 0) ctx.stdout.write(`Loaded image ID: ${image.id}\n`);
        for (const tag of image.repoTags) ctx.stdout.write(`Loaded image: ${tag}\n`);
      }
    });
}

function addList(cmd: Command, ctx: CliContext): void {
  cmd
    .description('list images')
    .option('-q, --quiet', 'only print image ids')
    .option('--no-trunc', 'print full image ids')
    .option('--format <format>', 'output format: table (default) or json (one object per line)')
    .action(async (opts: { quiet?: boolean; trunc: boolean; format?: string }) => {
      const json = checkFormat(opts.format);
      const images = await ctx.client().json<ImageSummary[]>('GET', '/v1/images');
      if (opts.quiet) {
        const ids = [...new Set(images.map((i) => (opts.trunc ? shortId(i.id) : i.id)))];
        for (const id of ids) ctx.stdout.write(`${id}\n`);
      } else if (json) {
        printJsonLines(ctx, images);
      } else {
        ctx.stdout.write(imagesTable(images, ctx.now(), opts.trunc));
      }
    });
}

function addTag(cmd: Command, ctx: CliContext): void {
  cmd
    .description('give an image another name')
    .argument('<source>', 'image name, id or id prefix')
    .argument('<target>', 'new name[:tag]')
    .action(async (source: string, target: string) => {
      await ctx.client().json('POST', `/v1/images/${seg(source)}/tag`, { target });
    });
}

function addRemove(cmd: Command, ctx: CliContext): void {
  cmd
    .description('remove images (untag; delete when no tag is left)')
    .option('-f, --force', 'remove even if the image has several tags or containers use it')
    .argument('<image...>')
    .action(async (images: string[], opts: { force?: boolean }) => {
      await forEachTarget(ctx, images, async (image) => {
        const res = await ctx
          .client()
          .json<ImageDeleteResponse>('DELETE', `/v1/images/${seg(image)}`, undefined, { query: { force: opts.force } });
        const lines = [...res.untagged.map((t) => `Untagged: ${t}`), ...res.deleted.map((d) => `Deleted: ${d}`)];
        return lines.join('\n');
      });
    });
}

/** `docker images`: one row per tag; an untagged image shows <none> <none>. */
export function imagesTable(images: readonly ImageSummary[], now: number, trunc = true): string {
  const rows: string[][] = [];
  for (const image of images) {
    const id = trunc ? shortId(image.id) : image.id;
    const tail = [id, timeAgo(image.created, now), formatSize(image.size)];
    if (image.repoTags.length === 0) rows.push(['<none>', '<none>', ...tail]);
    for (const ref of image.repoTags) {
      const { repository, tag } = splitRepoTag(ref);
      rows.push([repository, tag, ...tail]);
    }
  }
  return renderTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows);
}

/** A file to stream, or stdin for "-"; a missing file fails here with its path rather than mid-upload. */
async function openInput(ctx: CliContext, file: string): Promise<Readable> {
  if (file === '-') return ctx.stdin;
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    throw new PureError('invalid_argument', `cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
  return createReadStream(file);
}
