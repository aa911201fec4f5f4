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
import { copyFile, chmod, rename } from 'node:fs/promises';
import { CTL_DIR, LAUNCHER_BINARY, WORK_DIR } from './sandbox-spec.js';

/**
 * The launcher runs as the job's own uid, so the job could ptrace it (pid 1: stop it, or write to its fd 3
 * and forge the status line). The kernel refuses ptrace and /proc/<pid>/mem of a non-dumpable process to
 * anyone without CAP_SYS_PTRACE, and exec of a file its caller cannot read makes the process non-dumpable
 * (fs/exec.c would_dump). So the launcher is a private copy of the static busybox, mode 0711: executable,
 * not readable, by the job's user. The job's own programs (readable image files) stay dumpable: a job can
 * still debug its own children.
 */
export async function installLauncher(path: string): Promise<string> {
  const tmp = `${path}.tmp-${process.pid}`;
  await copyFile(LAUNCHER_BINARY, tmp);
  await chmod(tmp, 0o711);
  await rename(tmp, path);
  return path;
}

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
  // No oom_score_adj write here: the job inherits pid 1's 1000 (sandbox-spec), and the shell running this
  // script is not dumpable (installLauncher), so its /proc/self files are not the job user's to write.
  const lines = [`cd ${shellQuote(j.workdir ?? WORK_DIR)} || exit 126`];
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
