/**
 * `pure sandbox run|submit|status|wait`: one-shot jobs in the daemon's sandbox (API /v1/jobs). Files given
 * with --file DEST=SRC are read here and sent inline: the daemon copies them into the sandbox.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgument } from '../errors/index.js';
import { parseBytes, parseDuration } from '../lib/index.js';
import type { JobFile, JobRecord, JobRequest } from '../sandbox/index.js';
import { collect, seg, type CliContext } from './context.js';

interface JobFlags {
  image?: string;
  cpuTime?: string;
  wallTime?: string;
  memory?: string;
  pids?: string;
  outputLimit?: string;
  disk?: string;
  network?: boolean;
  file?: string[];
  stdin?: string;
  collect?: string[];
  env?: string[];
  workdir?: string;
  priority?: string;
  warm: boolean;
  job?: string;
  callback?: string;
}

function integer(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n)) throw new InvalidArgument(`invalid ${flag} "${text}": not an integer`);
  return n;
}

/** A --job file: a JobRequest as JSON (cases, prepare, grader...), which flags then override. */
async function jobFile(ctx: CliContext, path: string): Promise<Partial<JobRequest>> {
  const text = await readFile(resolve(ctx.cwd, path), 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new InvalidArgument(`invalid --job "${path}": ${e.code ?? e.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgument(`invalid --job "${path}": ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgument(`invalid --job "${path}": want a JSON object (a job request)`);
  return value;
}

/** Flags → JobRequest (files and stdin read from the client's disk, relative to its cwd). */
export async function jobRequestFromFlags(ctx: CliContext, command: string[], f: JobFlags): Promise<JobRequest> {
  const base = f.job !== undefined ? await jobFile(ctx, f.job) : {};
  if (command.length === 0 && !base.command) throw new InvalidArgument('no command given: pass one after "--" or in a --job file');
  const limits: NonNullable<JobRequest['limits']> = { ...base.limits };
  if (f.cpuTime !== undefined) limits.cpuTimeMs = parseDuration(f.cpuTime, '--cpu-time');
  if (f.wallTime !== undefined) limits.wallTimeMs = parseDuration(f.wallTime, '--wall-time');
  if (f.memory !== undefined) limits.memoryBytes = parseBytes(f.memory, '--memory');
  if (f.pids !== undefined) limits.pids = integer(f.pids, '--pids');
  if (f.outputLimit !== undefined) limits.outputBytes = parseBytes(f.outputLimit, '--output-limit');
  if (f.disk !== undefined) limits.diskBytes = parseBytes(f.disk, '--disk');
  const files: JobFile[] = [];
  for (const spec of f.file ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new InvalidArgument(`invalid --file "${spec}": want DEST=SRC`);
    const src = resolve(ctx.cwd, spec.slice(eq + 1));
    const st = await stat(src).catch(() => null);
    if (!st?.isFile()) throw new InvalidArgument(`invalid --file "${spec}": ${src} is not a readable file`);
    files.push({ path: spec.slice(0, eq), content: (await readFile(src)).toString('base64'), mode: st.mode & 0o755 });
  }
  const req: JobRequest = { ...base, command: command.length > 0 ? command : (base.command ?? []), limits };
  if (!f.warm) req.warm = false;
  if (f.image) req.image = f.image;
  if (files.length > 0) req.files = [...(base.files ?? []), ...files];
  if (f.callback) req.callbackUrl = f.callback;
  if (f.stdin !== undefined) req.stdin = (await readFile(resolve(ctx.cwd, f.stdin))).toString('base64');
  if (f.collect) req.collect = f.collect;
  if (f.env) req.env = f.env.map((e) => (e.includes('=') ? e : `${e}=${ctx.env[e] ?? ''}`));
  if (f.workdir) req.workdir = f.workdir;
  if (f.network) req.network = true;
  if (f.priority !== undefined) req.priority = integer(f.priority, '--priority');
  return req;
}

function jobOptions(cmd: Command): Command {
  return cmd
    .option('--image <ref>', 'image the job runs in (default: the daemon\'s --sandbox-image)')
    .option('--cpu-time <duration>', 'CPU time limit (default 2s)')
    .option('--wall-time <duration>', 'wall-clock limit (default 5s)')
    .option('--memory <bytes>', 'memory limit, no swap (default 128m)')
    .option('--pids <n>', 'process limit (default 64)')
    .option('--output-limit <bytes>', 'bytes kept per stream; more kills the job (default 1m)')
    .option('--disk <bytes>', 'writable space for /work and /tmp (default 64m)')
    .option('--network', 'give the job a network of its own on the default bridge, NAT out (default: loopback only)')
    .option('--file <dest=src>', 'copy a local file into the sandbox (dest relative to /work); repeatable', collect)
    .option('--stdin <file>', 'feed this file to the job\'s stdin')
    .option('--collect <path>', 'read this file back after the job (relative to /work); repeatable', collect)
    .option('-e, --env <name=value>', 'environment variable; repeatable', collect)
    .option('-w, --workdir <dir>', 'working directory (default /work)')
    .option('--priority <n>', 'queue priority, higher first (default 0)')
    .option('--no-warm', 'start a fresh sandbox even when a warm one is ready')
    .option('--job <file>', 'a job request as JSON (prepare, cases, grader, ...; see docs/sandbox.md); flags override it')
    .option('--callback <url>', 'POST the finished job to this URL (loopback only unless the daemon allows more)');
}

async function waitDone(ctx: CliContext, id: string, timeoutMs = Infinity): Promise<JobRecord> {
  const t0 = ctx.now();
  for (;;) {
    const left = Math.min(60, Math.max(1, Math.ceil((timeoutMs - (ctx.now() - t0)) / 1000)));
    const job = await ctx.client().json<JobRecord>('GET', `/v1/jobs/${seg(id)}`, undefined, { query: { wait: left } });
    if (job.state === 'done' || ctx.now() - t0 >= timeoutMs) return job;
  }
}

function printResult(ctx: CliContext, job: JobRecord): void {
  ctx.stdout.write(`${JSON.stringify(job.result ?? job, null, 2)}\n`);
  if (job.result?.status === 'internal_error') ctx.exitCode = Math.max(ctx.exitCode, 1);
}

export function registerSandboxCommands(program: Command, ctx: CliContext): void {
  const group = program.command('sandbox').description('run untrusted code as one-shot jobs with hard limits (run, submit, status, wait)');

  jobOptions(group.command('run').description('run a job and print its result as JSON').argument('[command...]'))
    .passThroughOptions()
    .action(async (command: string[], f: JobFlags) => {
      const req = await jobRequestFromFlags(ctx, command, f);
      const job = await ctx.client().json<JobRecord>('POST', '/v1/jobs', req, { query: { wait: 60 } });
      printResult(ctx, job.state === 'done' ? job : await waitDone(ctx, job.id));
    });

  jobOptions(group.command('submit').description('queue a job and print its id').argument('[command...]'))
    .passThroughOptions()
    .action(async (command: string[], f: JobFlags) => {
      const req = await jobRequestFromFlags(ctx, command, f);
      const job = await ctx.client().json<JobRecord>('POST', '/v1/jobs', req);
      ctx.stdout.write(`${job.id}\n`);
    });

  group
    .command('status')
    .description('print a job (state, and its result once done) as JSON')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await ctx.client().json<JobRecord>('GET', `/v1/jobs/${seg(id)}`);
      ctx.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    });

  group
    .command('wait')
    .description('wait for a job and print its result as JSON')
    .argument('<id>')
    .option('--timeout <duration>', 'give up after this long (prints the job as it is)')
    .action(async (id: string, o: { timeout?: string }) => {
      const job = await waitDone(ctx, id, o.timeout ? parseDuration(o.timeout, '--timeout') : Infinity);
      printResult(ctx, job);
    });
}
