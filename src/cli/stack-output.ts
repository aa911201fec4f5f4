/**
 * How the stack commands print: Compose's progress lines on stderr (` ✔ Container demo-web-1  Started`), the
 * `stack ps` and `stack ls` tables, and the merged logs of a project's containers, each line prefixed with
 * `<service>-<n>  | ` (a colour per service on a terminal only).
 */
import type { Writable } from 'node:stream';
import type { ContainerInspect, ContainerSummary, LogEntry, StackLine, StackSummary } from '../api/types.js';
import { PureError } from '../errors/index.js';
import { ellipsis, renderTable, statusText, timeAgo } from './format.js';
import { seg, type CliContext } from './context.js';
import { LABEL_NUMBER, LABEL_SERVICE } from '../stack/types.js';

const DONE_WORDS: Partial<Record<Extract<StackLine, { type: 'progress' }>['action'], string>> = {
  created: 'Created',
  recreated: 'Recreated',
  started: 'Started',
  healthy: 'Healthy',
  exited: 'Exited',
  running: 'Running',
  stopped: 'Stopped',
  removed: 'Removed',
};

const RESOURCE = { network: 'Network', volume: 'Volume', container: 'Container' } as const;

/**
 * Print one progress line the way Compose's plain output does: finished steps with a check mark, `Waiting`
 * (which can take a while) without one; the other in-progress steps (creating, starting…) are not printed, since
 * their finished line follows at once. Throws the error line as a PureError; returns true on `done`.
 */
export function printStackLine(out: Writable, line: StackLine): boolean {
  switch (line.type) {
    case 'progress': {
      const word = DONE_WORDS[line.action];
      if (word !== undefined) out.write(` ✔ ${RESOURCE[line.resource]} ${line.name}  ${word}\n`);
      else if (line.action === 'waiting') out.write(`   ${RESOURCE[line.resource]} ${line.name}  Waiting\n`);
      return false;
    }
    case 'warning':
      out.write(`pure: warning: ${line.message}\n`);
      return false;
    case 'error':
      throw new PureError(line.code, line.message);
    case 'done':
      return true;
  }
}

/** Read a stack action's NDJSON answer to its end, printing each line on stderr. */
export async function followStackLines(ctx: CliContext, lines: AsyncIterable<StackLine>): Promise<void> {
  let done = false;
  for await (const line of lines) done = printStackLine(ctx.stderr, line) || done;
  if (!done) throw new PureError('unavailable', 'the daemon closed the stream before the action finished');
}

/** `<service>-<n>`: how logs and ps name a replica. */
export function replicaName(c: Pick<ContainerSummary, 'labels' | 'name'>): string {
  const service = c.labels[LABEL_SERVICE];
  const n = c.labels[LABEL_NUMBER];
  return service !== undefined && n !== undefined ? `${service}-${n}` : c.name;
}

/** Compose's `ps` columns; ports come from each running container's inspect view. */
export function stackPsTable(list: readonly ContainerSummary[], ports: ReadonlyMap<string, string>, now: number): string {
  const rows = list.map((c) => {
    let status = statusText(c, now);
    if (c.health !== undefined && !status.includes('health')) status += c.health === 'starting' ? ' (health: starting)' : ` (${c.health})`;
    return [c.name, c.image, `"${ellipsis(c.command, 20)}"`, c.labels[LABEL_SERVICE] ?? '', timeAgo(c.created, now), status, ports.get(c.id) ?? ''];
  });
  return renderTable(['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'], rows);
}

export function portsText(view: ContainerInspect): string {
  return (view.networkSettings?.ports ?? [])
    .filter((p) => p.hostPort !== undefined)
    .map((p) => `${p.hostIp ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`)
    .join(', ');
}

export function stackLsTable(list: readonly StackSummary[]): string {
  const rows = list.map((s) => {
    const parts = [];
    if (s.running > 0) parts.push(`running(${s.running})`);
    if (s.containers > s.running) parts.push(`exited(${s.containers - s.running})`);
    return [s.name, parts.join(', ') || 'no containers', s.services.join(', ')];
  });
  return renderTable(['NAME', 'STATUS', 'SERVICES'], rows);
}

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93, 94, 95, 96];

/**
 * Merge the log streams of `containers` into ctx's stdout/stderr, each line prefixed with its replica's name
 * padded to the longest one. Resolves when every stream has ended (with follow: when each container stops, or
 * when `signal` aborts).
 */
export async function mergeLogs(
  ctx: CliContext,
  containers: readonly ContainerSummary[],
  opts: { follow?: boolean; tail?: number; timestamps?: boolean; signal?: AbortSignal },
): Promise<void> {
  const tty = (ctx.stdout as { isTTY?: boolean }).isTTY === true;
  const width = Math.max(0, ...containers.map((c) => replicaName(c).length));
  const services = [...new Set(containers.map((c) => c.labels[LABEL_SERVICE] ?? c.name))];
  await Promise.all(
    containers.map(async (c) => {
      const name = replicaName(c).padEnd(width);
      const colour = COLOURS[services.indexOf(c.labels[LABEL_SERVICE] ?? c.name) % COLOURS.length] ?? 36;
      const prefix = tty ? `\x1b[${colour}m${name}  |\x1b[0m ` : `${name}  | `;
      const entries = ctx.client().stream<LogEntry>(`/v1/containers/${seg(c.id)}/logs`, {
        query: { follow: opts.follow, tail: opts.tail, stdout: true, stderr: true },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      try {
        for await (const e of entries) {
          const out = e.stream === 'stderr' ? ctx.stderr : ctx.stdout;
          const text = e.data.endsWith('\n') ? e.data : `${e.data}\n`;
          out.write(`${prefix}${opts.timestamps ? `${e.time} ` : ''}${text}`);
        }
      } catch (err) {
        if (opts.signal?.aborted) return;
        // a container removed while its logs were read has nothing more to say
        if (err instanceof PureError && err.code === 'not_found') return;
        throw err;
      }
    }),
  );
}
