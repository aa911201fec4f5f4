/**
 * Compose stacks from the command line. Top-level verbs that do not clash with the container verbs —
 * `pure up`, `pure down`, `pure config`, `pure scale` — and every verb under `pure stack <verb>`, aliased
 * `pure compose <verb>` for Compose users (`pure compose up -d`): up, down, ps, logs, stop, start, restart,
 * scale, config, exec, ls.
 *
 * The daemon reads the compose file: the CLI sends a StackSource (its working directory or
 * --project-directory, the -f files made absolute, its environment, -p, --profile). Commands that act on what
 * exists (down, ps, logs, stop, start, restart, exec) find the project by its labels, so `pure down -p NAME`
 * works without the file. Progress goes to stderr as Compose prints it; a failure is one `pure: …` line, exit 1.
 */
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgument, NotFound, PureError } from '../errors/index.js';
import type { ContainerInspect, ContainerSummary, StackConfigResponse, StackLine, StackSourceBody, StackSummary } from '../api/types.js';
import { checkFormat, collect, printJsonLines, seg, type CliContext } from './context.js';
import { followStackLines, mergeLogs, portsText, stackLsTable, stackPsTable } from './stack-output.js';
import { execInContainer, type ExecFlags } from './run-command.js';
import { LABEL_NUMBER, LABEL_SERVICE } from '../stack/types.js';

interface ProjectFlags {
  file?: string[];
  projectName?: string;
  profile?: string[];
  projectDirectory?: string;
}

/** -f (or only --file where -f means something else, as `logs -f`), -p, --profile, --project-directory. */
function addProjectFlags(cmd: Command, opts: { shortFile?: boolean } = {}): Command {
  return cmd
    .option(opts.shortFile === false ? '--file <file>' : '-f, --file <file>', 'compose file (default compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml); repeatable, merged in order', collect)
    .option('-p, --project-name <name>', 'project name (default: the file\'s name: key, else the project directory\'s name)')
    .option('--profile <profile>', 'enable the services of this profile; repeatable', collect)
    .option('--project-directory <dir>', 'where to look for the compose file when no -f is given (default: the current directory)');
}

/** This command's project flags merged with its group's (`pure compose -f x up` and `pure compose up -f x`). */
function flagsOf(cmd: Command): ProjectFlags {
  return cmd.optsWithGlobals<ProjectFlags>();
}

function sourceOf(ctx: CliContext, f: ProjectFlags): StackSourceBody {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  const workingDir = resolve(ctx.cwd, f.projectDirectory ?? '.');
  const fromEnv = f.file === undefined && env.COMPOSE_FILE ? env.COMPOSE_FILE.split(':').filter(Boolean) : [];
  const profiles = f.profile ?? (env.COMPOSE_PROFILES ? env.COMPOSE_PROFILES.split(',').filter(Boolean) : undefined);
  const projectName = f.projectName ?? (env.COMPOSE_PROJECT_NAME || undefined);
  return {
    files: (f.file ?? fromEnv).map((file) => resolve(ctx.cwd, file)),
    workingDir,
    env,
    ...(projectName !== undefined ? { projectName } : {}),
    ...(profiles !== undefined ? { profiles } : {}),
  };
}

/** -p, else the loaded file's project name, else (no file here) the directory's name as Compose normalises it. */
async function projectNameOf(ctx: CliContext, f: ProjectFlags): Promise<string> {
  const source = sourceOf(ctx, f);
  if (source.projectName !== undefined) return source.projectName;
  try {
    const cfg = await ctx.client().json<StackConfigResponse>('POST', '/v1/stacks/config', source);
    return (cfg.project as { name: string }).name;
  } catch (err) {
    if (!(err instanceof PureError && err.code === 'not_found') || source.files.length > 0) throw err;
    const name = basename(source.workingDir).toLowerCase().replace(/[^a-z0-9_-]/g, '');
    if (!/^[a-z0-9]/.test(name)) throw new InvalidArgument(`no compose file here and "${basename(source.workingDir)}" is not a project name: give one with -p`, { cause: err });
    return name;
  }
}

function parseSeconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new InvalidArgument(`invalid ${flag} "${text}": a non-negative integer of seconds is required`);
  return Number(text);
}

function parseScale(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const m = /^([^=]+)=(\d+)$/.exec(item);
    if (!m) throw new InvalidArgument(`invalid scale "${item}": use SERVICE=REPLICAS, e.g. web=3`);
    out[m[1]!] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new InvalidArgument('scale: name at least one SERVICE=REPLICAS');
  return out;
}

function streamAction(ctx: CliContext, path: string, body?: unknown, query?: Record<string, string | number | boolean | undefined>): AsyncGenerator<StackLine> {
  return ctx.client().stream<StackLine>(path, { method: 'POST', ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) });
}

async function projectContainers(ctx: CliContext, name: string, services: readonly string[]): Promise<ContainerSummary[]> {
  const all = await ctx.client().json<ContainerSummary[]>('GET', `/v1/stacks/${seg(name)}/containers`);
  const unknown = services.filter((s) => !all.some((c) => c.labels[LABEL_SERVICE] === s));
  if (unknown.length > 0) throw new NotFound(`no container of service "${unknown[0]}" in project "${name}"`);
  return services.length === 0 ? all : all.filter((c) => services.includes(c.labels[LABEL_SERVICE] ?? ''));
}

interface UpFlags extends ProjectFlags {
  detach?: boolean;
  deps: boolean;
  wait?: boolean;
  waitTimeout?: string;
  forceRecreate?: boolean;
  recreate: boolean;
  removeOrphans?: boolean;
}

/**
 * `up`: converge, printing progress. Without -d (and without --wait), then follow the started services' logs
 * until they all stop or Ctrl-C, which stops them (Compose's attached mode, as merged logs rather than attach).
 */
async function up(ctx: CliContext, services: string[], f: UpFlags): Promise<void> {
  const source = sourceOf(ctx, f);
  const timeoutS = parseSeconds(f.waitTimeout, '--wait-timeout');
  const body = {
    ...source,
    ...(services.length > 0 ? { services } : {}),
    ...(f.deps === false ? { noDeps: true } : {}),
    ...(f.forceRecreate ? { forceRecreate: true } : {}),
    ...(f.recreate === false ? { noRecreate: true } : {}),
    ...(f.removeOrphans ? { removeOrphans: true } : {}),
    ...(f.wait ? { wait: true } : {}),
    ...(timeoutS !== undefined ? { timeoutS } : {}),
  };
  if (f.forceRecreate && f.recreate === false) throw new InvalidArgument('--force-recreate and --no-recreate cannot be used together');
  await followStackLines(ctx, streamAction(ctx, '/v1/stacks/up', body));
  if (f.detach || f.wait) return;
  const name = await projectNameOf(ctx, f);
  const containers = (await projectContainers(ctx, name, services)).filter((c) => c.state === 'running');
  const ac = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave at once
    interrupted = true;
    ctx.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await mergeLogs(ctx, containers, { follow: true, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) {
    const picked = [...new Set(containers.map((c) => c.labels[LABEL_SERVICE] ?? ''))].filter(Boolean);
    await followStackLines(ctx, streamAction(ctx, `/v1/stacks/${seg(name)}/stop`, { services: picked }));
    ctx.exitCode = 130;
  }
}

/** The verbs of `pure stack` / `pure compose` (and, for the top-level ones, of `pure` itself). */
function addVerbs(parent: Command, ctx: CliContext, verbs: ReadonlySet<string>): void {
  const verb = (name: string, description: string, opts: { shortFile?: boolean } = {}): Command | undefined =>
    verbs.has(name) ? addProjectFlags(parent.command(name).description(description), opts) : undefined;

  verb('up', 'create and start the services of a compose file (only what changed is recreated)')
    ?.option('-d, --detach', 'return once everything is started (default: follow the services\' logs until Ctrl-C, which stops them)')
    .option('--wait', 'wait until every started container is running, healthy, or exited 0 (implies -d)')
    .option('--wait-timeout <seconds>', 'give up waiting after this many seconds')
    .option('--force-recreate', 'recreate containers even if their configuration is unchanged')
    .option('--no-recreate', 'keep existing containers even if their configuration changed')
    .option('--remove-orphans', 'remove containers of services that are no longer in the file')
    .option('--no-deps', 'with SERVICE...: leave the services they depend on as they are')
    .argument('[service...]', 'only these services (and what they depend on)')
    .action(async (services: string[], _o: unknown, cmd: Command) => up(ctx, services, cmd.optsWithGlobals<UpFlags>()));

  verb('down', 'stop and remove the project\'s containers and networks (-v: and volumes); works without the file')
    ?.option('-v, --volumes', 'also remove the project\'s named volumes and its containers\' anonymous volumes')
    .option('--remove-orphans', 'accepted for Compose compatibility: down removes every container with the project\'s label anyway')
    .option('-t, --timeout <seconds>', 'seconds between the stop signal and SIGKILL (default: each container\'s stop_grace_period, else 10)')
    .action(async (_o: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<ProjectFlags & { volumes?: boolean; timeout?: string }>();
      const name = await projectNameOf(ctx, f);
      await followStackLines(ctx, streamAction(ctx, `/v1/stacks/${seg(name)}/down`, undefined, { volumes: f.volumes, timeout: parseSeconds(f.timeout, '--timeout') }));
    });

  verb('config', 'check the compose file and print it normalised (interpolated, merged, defaults filled)')
    ?.option('-q, --quiet', 'only check: print nothing')
    .option('--services', 'print the service names, one a line')
    .option('--format <format>', 'yaml (default) or json')
    .action(async (_o: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<ProjectFlags & { quiet?: boolean; services?: boolean; format?: string }>();
      if (f.format !== undefined && f.format !== 'yaml' && f.format !== 'json') throw new InvalidArgument(`invalid --format "${f.format}": use yaml or json`);
      const cfg = await ctx.client().json<StackConfigResponse>('POST', '/v1/stacks/config', sourceOf(ctx, f));
      for (const w of (cfg.project as { warnings?: string[] }).warnings ?? []) ctx.stderr.write(`pure: warning: ${w}\n`);
      if (f.quiet) return;
      if (f.services) ctx.stdout.write(Object.keys((cfg.project as { services: object }).services).map((s) => `${s}\n`).join(''));
      else if (f.format === 'json') ctx.stdout.write(`${JSON.stringify(cfg.project, null, 2)}\n`);
      else ctx.stdout.write(cfg.yaml.endsWith('\n') ? cfg.yaml : `${cfg.yaml}\n`);
    });

  verb('scale', 'set the number of replicas of services (SERVICE=N ...); the other containers are left as they are')
    ?.argument('<service=replicas...>')
    .action(async (items: string[], _o: unknown, cmd: Command) => {
      const body = { ...sourceOf(ctx, flagsOf(cmd)), scale: parseScale(items) };
      await followStackLines(ctx, streamAction(ctx, '/v1/stacks/scale', body));
    });

  verb('ps', 'list the project\'s containers (running ones unless -a)')
    ?.option('-a, --all', 'show stopped containers too')
    .option('-q, --quiet', 'only print container ids')
    .option('--format <format>', 'output format: table (default) or json (one object per line)')
    .argument('[service...]')
    .action(async (services: string[], _o: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<ProjectFlags & { all?: boolean; quiet?: boolean; format?: string }>();
      const json = checkFormat(f.format);
      const list = (await projectContainers(ctx, await projectNameOf(ctx, f), services)).filter((c) => f.all || c.state === 'running' || c.state === 'paused' || c.state === 'restarting');
      if (f.quiet) return void ctx.stdout.write(list.map((c) => `${c.id}\n`).join(''));
      if (json) return printJsonLines(ctx, list);
      const ports = new Map<string, string>();
      for (const c of list.filter((x) => x.state === 'running')) {
        const view = await ctx.client().json<ContainerInspect>('GET', `/v1/containers/${seg(c.id)}`).catch(() => undefined);
        if (view) ports.set(c.id, portsText(view));
      }
      ctx.stdout.write(stackPsTable(list, ports, ctx.now()));
    });

  verb('logs', 'print the services\' output, each line prefixed with <service>-<n>', { shortFile: false })
    ?.option('-f, --follow', 'keep printing new output until the containers stop')
    .option('-n, --tail <lines>', 'only the last N lines of each container ("all" for everything)')
    .option('-t, --timestamps', 'prefix each line with its RFC 3339 time')
    .argument('[service...]')
    .action(async (services: string[], _o: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<ProjectFlags & { follow?: boolean; tail?: string; timestamps?: boolean }>();
      const tail = f.tail === undefined || f.tail === 'all' ? undefined : parseSeconds(f.tail, '--tail');
      const list = await projectContainers(ctx, await projectNameOf(ctx, f), services);
      await mergeLogs(ctx, list, { ...(f.follow ? { follow: true } : {}), ...(tail !== undefined ? { tail } : {}), ...(f.timestamps ? { timestamps: true } : {}) });
    });

  for (const [action, description] of [
    ['stop', 'stop the project\'s containers (last made first)'],
    ['start', 'start the project\'s stopped containers, dependencies first, waiting for their depends_on conditions'],
    ['restart', 'restart the project\'s containers'],
  ] as const) {
    const cmd = verb(action, description);
    if (action !== 'start') cmd?.option('-t, --timeout <seconds>', 'seconds between the stop signal and SIGKILL');
    cmd?.argument('[service...]').action(async (services: string[], _o: unknown, c: Command) => {
      const f = c.optsWithGlobals<ProjectFlags & { timeout?: string }>();
      const timeoutS = parseSeconds(f.timeout, '--timeout');
      const body = { ...(services.length > 0 ? { services } : {}), ...(timeoutS !== undefined ? { timeoutS } : {}) };
      await followStackLines(ctx, streamAction(ctx, `/v1/stacks/${seg(await projectNameOf(ctx, f))}/${action}`, body));
    });
  }

  verb('exec', 'run a command in a running replica of a service')
    ?.option('--index <n>', 'which replica (default 1)', '1')
    .option('-i, --interactive', 'forward stdin to the command')
    .option('-t, --tty', 'give the command a pseudo-terminal')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable; repeatable', collect)
    .option('-u, --user <user>', 'run as name|uid[:group|gid]')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .argument('<service>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (service: string, command: string[], _o: unknown, cmd: Command) => {
      const f = cmd.optsWithGlobals<ProjectFlags & ExecFlags & { index: string }>();
      const index = parseSeconds(f.index, '--index');
      const list = await projectContainers(ctx, await projectNameOf(ctx, f), [service]);
      const target = list.find((c) => c.labels[LABEL_NUMBER] === String(index));
      if (!target) throw new NotFound(`service "${service}" has no replica ${index} (replicas: ${list.map((c) => c.labels[LABEL_NUMBER]).join(', ')})`);
      ctx.exitCode = await execInContainer(ctx, target.id, command, { interactive: f.interactive, tty: f.tty, env: f.env, user: f.user, workdir: f.workdir });
    });

  if (verbs.has('ls')) {
    parent
      .command('ls')
      .description('list the compose projects on this host')
      .option('--format <format>', 'output format: table (default) or json (one object per line)')
      .option('-q, --quiet', 'only print project names')
      .action(async (opts: { format?: string; quiet?: boolean }) => {
        const json = checkFormat(opts.format);
        const list = await ctx.client().json<StackSummary[]>('GET', '/v1/stacks');
        if (opts.quiet) ctx.stdout.write(list.map((s) => `${s.name}\n`).join(''));
        else if (json) printJsonLines(ctx, list);
        else ctx.stdout.write(stackLsTable(list));
      });
  }
}

const ALL_VERBS = new Set(['up', 'down', 'ps', 'logs', 'stop', 'start', 'restart', 'scale', 'config', 'exec', 'ls']);

export function registerStackCommands(program: Command, ctx: CliContext): void {
  addVerbs(program, ctx, new Set(['up', 'down', 'config', 'scale']));
  const group = addProjectFlags(
    program
      .command('stack')
      .alias('compose')
      .description('compose stacks: up, down, ps, logs, stop, start, restart, scale, config, exec, ls (alias: compose)'),
  );
  addVerbs(group, ctx, ALL_VERBS);
}
