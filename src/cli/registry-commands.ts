/**
 * `pure pull`, `push`, `login`, `logout`, `save` (and `image pull|push|save`). Pull and push read the
 * daemon's NDJSON progress as it comes; credentials from the config file (registry-auth.ts) go along in
 * `X-Registry-Auth`. `save` streams the daemon's tarball straight to the file (or stdout).
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { InvalidArgument, PureError } from '../errors/index.js';
import type { RegistryAuth, TransferLine } from '../api/types.js';
import { apiError, withQuery, type RequestOptions } from './client.js';
import { type CliContext, seg } from './context.js';
import { authHeader, configPath, readAuth, registryOfRef, registryOfServer, removeAuth, storeAuth } from './registry-auth.js';
import { TransferOutput } from './transfer-output.js';

export function registerRegistryCommands(program: Command, ctx: CliContext): void {
  const group = program.commands.find((c) => c.name() === 'image');
  for (const parent of group ? [program, group] : [program]) {
    addPull(parent.command('pull'), ctx);
    addPush(parent.command('push'), ctx);
    addSave(parent.command('save'), ctx);
  }
  addLogin(program.command('login'), ctx);
  addLogout(program.command('logout'), ctx);
}

function addPull(cmd: Command, ctx: CliContext): void {
  cmd
    .description('download an image from a registry (on a terminal: a bar per layer with bytes and speed; else one line per layer state)')
    .option('--platform <os/arch[/variant]>', 'the platform to pull from a multi-platform image (default: this host)')
    .option('-q, --quiet', 'print only the image reference (no progress)')
    .argument('<image>', 'name[:tag] or name@digest')
    .action(async (image: string, opts: { platform?: string; quiet?: boolean }) => {
      const auth = await readAuth(ctx.env, registryOfRef(image));
      const out = transferOutput(ctx);
      let downloaded = false;
      const done = await transfer(ctx, '/v1/images/pull', { ref: image, platform: opts.platform }, auth, (e) => {
        if (e.status === 'verified') downloaded = true;
        if (!opts.quiet) out.event(e);
      });
      if (!opts.quiet) out.message(downloaded ? `Status: Downloaded newer image for ${done.ref ?? image}` : `Status: Image is up to date for ${done.ref ?? image}`);
      ctx.stdout.write(`${done.ref ?? image}\n`);
    });
}

function addPush(cmd: Command, ctx: CliContext): void {
  cmd
    .description('upload an image to its registry (blobs over PURE_REGISTRY_CHUNK_SIZE of the daemon, 16m by default, go in chunks)')
    .option('-q, --quiet', 'print nothing but errors')
    .argument('<image>', 'name[:tag]')
    .action(async (image: string, opts: { quiet?: boolean }) => {
      const auth = await readAuth(ctx.env, registryOfRef(image));
      const out = transferOutput(ctx);
      const done = await transfer(ctx, `/v1/images/${seg(image)}/push`, {}, auth, (e) => {
        if (!opts.quiet) out.event(e);
      });
      if (!opts.quiet) out.message(`${done.ref ?? image}: digest: ${done.digest ?? '?'} size: ${done.size ?? 0}`);
    });
}

function addSave(cmd: Command, ctx: CliContext): void {
  cmd
    .description('write images to a tar archive (docker save format; --format oci for an OCI image layout)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--format <format>', 'docker (default) or oci')
    .argument('<image...>')
    .action(async (images: string[], opts: { output?: string; format?: string }) => {
      if (opts.format !== undefined && opts.format !== 'docker' && opts.format !== 'oci') throw new InvalidArgument(`invalid --format "${opts.format}": use docker or oci`);
      if (opts.output === undefined && (ctx.stdout as { isTTY?: boolean }).isTTY) {
        throw new InvalidArgument('cowardly refusing to write an archive to a terminal (use -o FILE or a redirect)');
      }
      const res = await send(ctx, 'GET', withQuery('/v1/images/save', { ref: images, format: opts.format }));
      if ((res.statusCode ?? 500) >= 400) throw await errorOf(res);
      if (opts.output === undefined) {
        await pipeline(res, ctx.stdout, { end: false });
        return;
      }
      try {
        await pipeline(res, createWriteStream(opts.output, { mode: 0o644 }));
      } catch (e) {
        await rm(opts.output, { force: true });
        throw e;
      }
    });
}

function addLogin(cmd: Command, ctx: CliContext): void {
  cmd
    .description('log in to a registry (credentials saved in $PURE_CONFIG/config.json, mode 0600)')
    .option('-u, --username <name>')
    .option('-p, --password <password>', 'the password (prefer --password-stdin: argv is visible to other users)')
    .option('--password-stdin', 'read the password from stdin')
    .argument('[server]', 'registry host[:port] (default: Docker Hub)')
    .action(async (server: string | undefined, opts: { username?: string; password?: string; passwordStdin?: boolean }) => {
      if (opts.username === undefined) throw new InvalidArgument('login needs --username');
      let password = opts.password;
      if (opts.passwordStdin) {
        if (password !== undefined) throw new InvalidArgument('--password and --password-stdin are mutually exclusive');
        const chunks: Buffer[] = [];
        for await (const c of ctx.stdin) chunks.push(c as Buffer);
        password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      }
      if (password === undefined || password === '') throw new InvalidArgument('login needs a password (--password-stdin or -p)');
      const registry = registryOfServer(server);
      await ctx.client().json('POST', '/v1/auth', { serveraddress: registry, username: opts.username, password });
      await storeAuth(ctx.env, registry, opts.username, password);
      ctx.stdout.write('Login Succeeded\n');
    });
}

function addLogout(cmd: Command, ctx: CliContext): void {
  cmd
    .description('forget the credentials of a registry')
    .argument('[server]', 'registry host[:port] (default: Docker Hub)')
    .action(async (server: string | undefined) => {
      const registry = registryOfServer(server);
      const removed = await removeAuth(ctx.env, registry);
      ctx.stdout.write(removed ? `Removing login credentials for ${registry}\n` : `Not logged in to ${registry} (${configPath(ctx.env)})\n`);
    });
}

/** Progress for pull/push: bars on a terminal (as wide as it, or $COLUMNS when it does not say), else plain lines. */
function transferOutput(ctx: CliContext): TransferOutput {
  const stdout = ctx.stdout as { isTTY?: boolean; columns?: number };
  const columns = stdout.columns !== undefined && stdout.columns > 0 ? stdout.columns : Number(ctx.env.COLUMNS);
  return new TransferOutput(ctx.stdout, { tty: Boolean(stdout.isTTY), columns: Number.isInteger(columns) ? columns : undefined });
}

/** POST a transfer and follow its NDJSON lines; resolves with the final line, throws the error line's error. */
async function transfer(ctx: CliContext, path: string, query: RequestOptions['query'], auth: RegistryAuth | undefined, onEvent: (e: TransferLine) => void): Promise<TransferLine> {
  const headers: Record<string, string> = auth ? { 'x-registry-auth': authHeader(auth) } : {};
  const res = await send(ctx, 'POST', withQuery(path, query), headers);
  if ((res.statusCode ?? 500) >= 400) throw await errorOf(res);
  let pending = '';
  let last: TransferLine | undefined;
  const handle = (text: string): void => {
    if (!text.trim()) return;
    const e = JSON.parse(text) as TransferLine;
    if (e.status === 'error') throw new PureError(e.error?.code ?? 'internal', e.error?.message ?? 'the transfer failed');
    if (e.status === 'result') last = e;
    else onEvent(e);
  };
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      handle(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  handle(pending);
  if (!last) throw new PureError('unavailable', 'the daemon ended the transfer without a result');
  return last;
}

function send(ctx: CliContext, method: string, path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  const socketPath = ctx.client().socketPath;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers });
    req.on('response', resolve);
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new PureError('unavailable', `cannot connect to the Pure daemon at ${socketPath}: is it running?`) : err);
    });
    req.end();
  });
}

async function errorOf(res: IncomingMessage): Promise<PureError> {
  const chunks: Buffer[] = [];
  for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  return apiError(body, res.statusCode ?? 500);
}
