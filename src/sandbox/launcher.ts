/**
 * The fixed launcher and the per-job script. A pre-created sandbox already runs its pid 1 before anyone
 * knows the job; so pid 1 is always the same program — the host's static busybox sh running launch.sh —
 * and the job arrives as a file, job.sh, written into the sandbox's read-only control dir.
 *
 * Protocol (fd 0 is a pipe from the daemon, fd 3 a pipe to it, both only the launcher holds):
 *   launcher → "ready"     namespaces, mounts, cgroup are done; it waits for one line on fd 0
 *   daemon   → "go"        job.sh, stdin and files are in place
 *   launcher → "status N"  the job's shell status (death by signal S is 128+S); pid 1 then waits again,
 *                          so the daemon can read the cgroup's counters before it kills pid 1 — and with
 *                          it, by the kernel's rule for a pid namespace, every process the job left.
 * The launcher's own stderr goes to /dev/null, and the job runs in a subshell that execs it, so ash's
 * "Segmentation fault" notice (printed while the job's redirections are still applied) never reaches the
 * job's stderr: it holds only what the job wrote.
 */
import { CTL_DIR, WORK_DIR } from './sandbox-spec.js';

export const LAUNCH_SCRIPT = `exec 4>&2 2>/dev/null
echo ready >&3
read -r go
(exec ${CTL_DIR}/sh ${CTL_DIR}/job.sh </dev/null 2>&4 3>&- 4>&-)
echo "status $?" >&3
read -r go
`;

/** POSIX single-quoting: the only character that needs care inside '...' is ' itself. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface JobScriptInput {
  command: readonly string[];
  env?: readonly string[];
  workdir?: string;
}

/**
 * The job as a shell script: cd, exports, then exec of the command with stdin from the control dir. Every
 * value is single-quoted, so no byte of the request is ever parsed by the shell.
 */
export function jobScript(j: JobScriptInput): string {
  // the job, and every process it starts, is the OOM killer's first choice: never the launcher (pid 1), whose
  // death would take the cgroup — and the memory_limit verdict's evidence — with it
  const lines = ['echo 1000 > /proc/self/oom_score_adj', `cd ${shellQuote(j.workdir ?? WORK_DIR)} || exit 126`];
  for (const e of j.env ?? []) lines.push(`export ${shellQuote(e)}`);
  lines.push(`exec ${j.command.map(shellQuote).join(' ')} < ${CTL_DIR}/stdin`);
  return `${lines.join('\n')}\n`;
}

/** Map a shell status to (exit code, signal): busybox sh reports death by signal N as 128+N. */
export function decodeStatus(status: number, signalNames: Readonly<Record<number, string>>): { exitCode: number; signal: string | null } {
  if (status > 128 && status < 128 + 65 && signalNames[status - 128]) {
    return { exitCode: status, signal: signalNames[status - 128] ?? null };
  }
  return { exitCode: status, signal: null };
}
