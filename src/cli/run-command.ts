/**
 * The commands that start processes and stream them: create, run, start, exec.
 * `run` = POST /v1/containers → (unless -d) attach, start → pipe frames → the exit frame's code. The attach is
 * made BEFORE start so not one byte of output is missed: without -i and -t, one POST .../attach?start=1 does
 * both and streams the output as its body (output-stream.ts); with -i or -t (stdin, resizes) it is the attach
 * WebSocket (attach.ts), then POST start.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PureError } from '../errors/index.js';
import type { ContainerCreateRequest, ContainerCreateResponse, ContainerInspect, ExecCreateRequest, ExecCreateResponse, WaitResponse } from '../api/types.js';
import { parseRunOptions, type RunFlags } from './run-options.js';
import { collect, forEachTarget, printError, seg, type CliContext } from './context.js';
import type { AttachSession } from './attach.js';
import type * as AttachModule from './attach.js';
import { OutputStream } from './output-stream.js';

/** The flags `run` and `create` share; every help text says what the flag does in Pure. */
function addCreateFlags(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'show help for this command') // -h is --hostname, as in docker
    .option('--name <name>', 'name the container')
    .option('-i, --interactive', 'keep stdin open and forward this terminal\'s stdin to the container')
    .option('-t, --tty', 'give the container a pseudo-terminal')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (KEY alone copies it from this shell); repeatable', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines from a file on this machine (# starts a comment); repeatable', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container (absolute)')
    .option('-u, --user <user>', 'run as name|uid[:group|gid]')
    .option('-h, --hostname <name>', 'the container\'s hostname')
    .option('-l, --label <key=value>', 'set a label on the container; repeatable', collect)
    .option('-v, --volume <src:dst[:ro|rw]>', 'a host path (/… or ./…) bind-mounted, a named volume (NAME:/path), or an anonymous volume (/path); repeatable', collect)
    .option('--mount <spec>', 'type=bind|volume|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…][,tmpfs-mode=…]; repeatable', collect)
    .option('--tmpfs <path[:options]>', 'mount a tmpfs at path, with mount options such as size=64m; repeatable', collect)
    .option('--read-only', 'mount the container\'s root filesystem read-only')
    .option('--init', 'run an init process (catatonit/tini) as pid 1 that forwards signals and reaps zombies')
    .option('--network <network>', 'network: bridge (the default), a user network\'s name, none (loopback only) or host')
    .option('-p, --publish <[ip:][hostPort:]port[/proto]>', 'publish a container port on the host (no hostPort: a free one); repeatable', collect)
    .option('-P, --publish-all', 'publish every port the image exposes to free host ports')
    .option('--ip <address>', 'a fixed IPv4 address on a user network')
    .option('--network-alias <name>', 'another name for the container on its user network; repeatable', collect)
    .option('--dns <ip>', 'a DNS server for the container; repeatable', collect)
    .option('--add-host <name:ip>', 'an /etc/hosts entry (ip may be host-gateway); repeatable', collect)
    .option('--restart <policy>', 'restart policy: no, on-failure[:max-retries], always, unless-stopped')
    .option('-m, --memory <size>', 'memory limit, e.g. 64m, 1g')
    .option('--memory-swap <size>', 'memory plus swap limit (-1: unlimited swap); needs --memory')
    .option('--cpus <n>', 'CPU quota in CPUs, e.g. 0.5 or 1.5')
    .option('--cpu-shares <n>', 'relative CPU weight (docker scale, default 1024)')
    .option('--pids-limit <n>', 'maximum number of processes (0 or -1: unlimited)')
    .option('--stop-signal <signal>', 'signal that stop sends first (default SIGTERM or the image\'s)')
    .option('--stop-timeout <seconds>', 'seconds stop waits before SIGKILL (default 10)')
    .option('--entrypoint <command>', 'replace the image\'s entrypoint with this one program ("" clears it)')
    .option('--rm', 'remove the container when it exits (done by the daemon)')
    .option('--health-cmd <command>', 'health check: a shell command run in the container; exit 0 means healthy')
    .option('--health-interval <duration>', 'time between health probes, e.g. 30s, 1m30s, 500ms (default 30s)')
    .option('--health-timeout <duration>', 'a probe running longer is killed and fails (default 30s)')
    .option('--health-start-period <duration>', 'failures this soon after the start do not count (default 0s)')
    .option('--health-retries <n>', 'consecutive failures that make the container unhealthy (default 3)')
    .option('--no-healthcheck', 'disable the image\'s HEALTHCHECK')
    .argument('<image>', 'the image to run')
    .argument('[command...]', 'command and arguments (replace the image\'s Cmd)')
    .passThroughOptions();
}

export function registerRunCommands(program: Command, ctx: CliContext): void {
  addCreateFlags(program.command('create').description('create a container without starting it; prints its id'))
    .action(async (image: string, command: string[], flags: RunFlags) => {
      const created = await createContainer(ctx, buildRequest(ctx, image, command, flags));
      ctx.stdout.write(`${created.id}\n`);
    });

  addCreateFlags(program.command('run').description('create and start a container, attached unless -d'))
    .option('-d, --detach', 'start it in the background and print its id')
    .action(async (image: string, command: string[], flags: RunFlags) => {
      ctx.exitCode = await runContainer(ctx, buildRequest(ctx, image, command, flags), flags);
    });

  program
    .command('start')
    .description('start one or more stopped containers')
    .option('-a, --attach', 'attach stdout/stderr and exit with the container\'s exit code (one container)')
    .option('-i, --interactive', 'forward stdin to the container (with -a)')
    .argument('<container...>')
    .action(async (containers: string[], opts: { attach?: boolean; interactive?: boolean }) => {
      if (opts.attach || opts.interactive) {
        if (containers.length > 1) throw new PureError('invalid_argument', 'you cannot start and attach multiple containers at once');
        const id = containers[0] ?? '';
        const info = await ctx.client().json<ContainerInspect>('GET', `/v1/containers/${seg(id)}`);
        ctx.exitCode = await attachAndStart(ctx, id, {
          tty: info.config.tty ?? false,
          interactive: opts.interactive ?? false,
          // A container that never ran has no old output: replaying closes any gap between attach and start.
          replayLogs: info.state.status === 'created',
        });
        return;
      }
      await forEachTarget(ctx, containers, async (c) => {
        await ctx.client().json('POST', `/v1/containers/${seg(c)}/start`);
      });
    });

  program
    .command('exec')
    .description('run a command in a running container')
    .option('-i, --interactive', 'forward stdin to the command')
    .option('-t, --tty', 'give the command a pseudo-terminal')
    .option('-d, --detach', 'not supported yet (the daemon ties an exec to its stream); fails with a message')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable; repeatable', collect)
    .option('-u, --user <user>', 'run as name|uid[:group|gid]')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .argument('<container>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (container: string, command: string[], opts: ExecFlags) => {
      ctx.exitCode = await execInContainer(ctx, container, command, opts);
    });
}

function buildRequest(ctx: CliContext, image: string, command: string[], flags: RunFlags): ContainerCreateRequest {
  if (flags.tty && flags.interactive && !ctx.stdin.isTTY) {
    throw new PureError('invalid_argument', 'the input device is not a TTY (drop -t, or run from a terminal)');
  }
  const req = parseRunOptions(
    { image, command, flags },
    { env: ctx.env, cwd: ctx.cwd, readFile: (p) => readFileSync(p, 'utf8') },
  );
  // the terminal's size goes into the spec, so the first thing the process reads is right
  const out = ctx.stdout as NodeJS.WriteStream;
  if (req.tty && out.isTTY && out.rows > 0 && out.columns > 0) req.consoleSize = { rows: out.rows, cols: out.columns };
  return req;
}

async function createContainer(ctx: CliContext, req: ContainerCreateRequest): Promise<ContainerCreateResponse> {
  const created = await ctx.client().json<ContainerCreateResponse>('POST', '/v1/containers', req);
  for (const w of created.warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  return created;
}

async function runContainer(ctx: CliContext, req: ContainerCreateRequest, flags: RunFlags): Promise<number> {
  // Load the WebSocket code (ws) while the daemon creates the container: the two overlap on different cores.
  const attachModule = flags.detach || !needsWebSocket(req.tty, req.openStdin) ? undefined : loadAttachSoon();
  attachModule?.catch(() => undefined); // a failed load is reported by the import in attachAndStart
  const created = await createContainer(ctx, req);
  if (flags.detach) {
    try {
      await ctx.client().json('POST', `/v1/containers/${seg(created.id)}/start`);
    } catch (err) {
      return startFailed(ctx, err, created.id, req.autoRemove ?? false);
    }
    ctx.stdout.write(`${created.id}\n`);
    return 0;
  }
  await attachModule?.catch(() => undefined);
  return attachAndStart(ctx, created.id, {
    tty: req.tty ?? false,
    interactive: req.openStdin ?? false,
    replayLogs: true,
    autoRemove: req.autoRemove ?? false,
  });
}

/** The WebSocket half of the CLI, imported on demand (it pulls in `ws`). */
function loadAttach(): Promise<typeof AttachModule> {
  return import('./attach.js');
}

/**
 * loadAttach once this turn's I/O is done: the request just made goes out first (its socket connects and is
 * written in the poll phase), so ws loads while the daemon works on it rather than before it is sent.
 */
function loadAttachSoon(): Promise<typeof AttachModule> {
  return new Promise<void>((resolve) => setImmediate(resolve)).then(loadAttach);
}

/** Only stdin and a TTY (resizes) need the attach WebSocket; output alone comes over plain HTTP. */
function needsWebSocket(tty: boolean | undefined, interactive: boolean | undefined): boolean {
  return (tty ?? false) || (interactive ?? false);
}

interface AttachPlan {
  tty: boolean;
  interactive: boolean;
  /** Ask the daemon to replay output written before the attach (`?logs=1`). */
  replayLogs: boolean;
  /** The container was created with --rm: if start fails, remove it here (it never ran, so never exits). */
  autoRemove?: boolean;
}

/** Attach, start, stream until the exit frame; returns the container's exit code (125/126/127 on start failure). */
async function attachAndStart(ctx: CliContext, id: string, plan: AttachPlan): Promise<number> {
  const client = ctx.client();
  const hooks: StreamHooks = {
    onSignal: (signal) => client.json('POST', `/v1/containers/${seg(id)}/kill`, undefined, { query: { signal } }),
    fallbackWait: () => client.json<WaitResponse>('POST', `/v1/containers/${seg(id)}/wait`),
  };
  const out = { stdout: ctx.stdout, stderr: ctx.stderr };
  if (!needsWebSocket(plan.tty, plan.interactive)) {
    let output: OutputStream;
    try {
      output = await OutputStream.start(client, id, { replay: plan.replayLogs }, out);
    } catch (err) {
      return startFailed(ctx, err, id, plan.autoRemove ?? false);
    }
    return streamUntilExit(ctx, output, plan, hooks);
  }
  const { AttachSession } = await loadAttach();
  // next=1: this client starts the container once the socket is open, so a stopped one is followed into its next
  // run instead of being answered at once with its last exit
  const session = await AttachSession.open(client.wsUrl(`/v1/containers/${seg(id)}/attach`, { logs: plan.replayLogs, next: true }), out);
  try {
    await client.json('POST', `/v1/containers/${seg(id)}/start`);
  } catch (err) {
    session.close();
    return startFailed(ctx, err, id, plan.autoRemove ?? false);
  }
  return streamUntilExit(ctx, session, plan, hooks);
}

/**
 * docker's exit codes when the process never ran: 127 when the command was not found, 126 when it could not
 * be invoked, 125 when Pure itself failed.
 */
async function startFailed(ctx: CliContext, err: unknown, id: string, autoRemove: boolean): Promise<number> {
  printError(ctx, err);
  if (autoRemove) {
    await ctx.client().json('DELETE', `/v1/containers/${seg(id)}`, undefined, { query: { force: true } }).catch(() => undefined);
  }
  const code = err instanceof PureError ? err.code : 'internal';
  return code === 'not_found' ? 127 : code === 'failed_precondition' ? 126 : 125;
}

interface StreamHooks {
  /** Forward a signal the CLI received to the process (docker's sig-proxy); not used with a TTY. */
  onSignal?: (signal: NodeJS.Signals) => Promise<unknown>;
  /** Ask for the exit code another way when the socket drops without an exit frame. */
  fallbackWait?: () => Promise<WaitResponse>;
}

async function streamUntilExit(ctx: CliContext, session: AttachSession | OutputStream, plan: AttachPlan, hooks: StreamHooks): Promise<number> {
  const cleanups: (() => void)[] = [];
  try {
    // stdin and resizes need the WebSocket (attachAndStart streams over HTTP only without -i and -t)
    const ws = session instanceof OutputStream ? undefined : session;
    if (plan.tty && ws) {
      const out = process.stdout;
      const resize = (): void => {
        if (out.isTTY) ws.resize(out.rows, out.columns);
      };
      resize();
      process.on('SIGWINCH', resize);
      cleanups.push(() => process.off('SIGWINCH', resize));
      if (plan.interactive) cleanups.push((await loadAttach()).enterRawMode(ctx.stdin));
    } else if (hooks.onSignal) {
      const proxy = hooks.onSignal;
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) {
        const handler = (): void => void proxy(signal).catch((err: unknown) => printError(ctx, err));
        process.on(signal, handler);
        cleanups.push(() => process.off(signal, handler));
      }
    }
    if (plan.interactive && ws) ws.forwardStdin(ctx.stdin);
    try {
      const exit = await session.wait();
      return exit.exitCode;
    } catch (err) {
      if (hooks.fallbackWait && !(err instanceof PureError && err.code !== 'unavailable')) {
        return (await hooks.fallbackWait()).exitCode;
      }
      throw err;
    }
  } finally {
    for (const undo of cleanups.reverse()) undo();
    session.close();
  }
}

export interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
}

/** `exec`'s client side (also `stack exec`): create the exec, stream it over its WebSocket, return its exit code. */
export async function execInContainer(ctx: CliContext, container: string, command: string[], flags: ExecFlags): Promise<number> {
  if (flags.tty && flags.interactive && !ctx.stdin.isTTY) {
    throw new PureError('invalid_argument', 'the input device is not a TTY (drop -t, or run from a terminal)');
  }
  if (flags.detach) {
    // The API kills an exec when its WebSocket closes, so a detached exec cannot outlive this process yet.
    throw new PureError('failed_precondition', 'exec -d is not supported yet: the daemon stops an exec when its client leaves');
  }
  const body: ExecCreateRequest = { cmd: command };
  if (flags.env?.length) body.env = flags.env.map((e) => (e.includes('=') ? e : `${e}=${ctx.env[e] ?? ''}`));
  if (flags.user !== undefined) body.user = flags.user;
  if (flags.workdir !== undefined) body.workingDir = flags.workdir;
  if (flags.tty) body.tty = true;
  if (flags.interactive) body.openStdin = true;
  const client = ctx.client();
  const creating = client.json<ExecCreateResponse>('POST', `/v1/containers/${seg(container)}/exec`, body);
  const attachModule = loadAttachSoon();
  attachModule.catch(() => undefined); // reported when awaited below
  const exec = await creating;
  const { AttachSession } = await attachModule;
  let session: AttachSession;
  try {
    session = await AttachSession.open(client.wsUrl(`/v1/exec/${seg(exec.id)}/start`), {
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    });
  } catch (err) {
    return startFailed(ctx, err, '', false);
  }
  try {
    return await streamUntilExit(ctx, session, { tty: flags.tty ?? false, interactive: body.openStdin ?? false, replayLogs: false }, {});
  } catch (err) {
    return startFailed(ctx, err, '', false);
  }
}
