/**
 * A foreground `runc exec -t` whose caller has only pipes.
 *
 * Foreground `runc exec --tty` makes the container's pty itself and relays it to runc's own stdio, but it
 * insists on a controlling terminal (it opens /dev/tty to put it in raw mode) and fails with
 * "open /dev/tty: no such device or address" under a daemon. So runc runs under util-linux `script`, which
 * gives it an outer pty as stdin/stdout and controlling terminal and relays that pty to our pipes:
 *
 *   client ⇄ daemon pipes ⇄ script ⇄ outer pty ⇄ runc (raw mode) ⇄ container pty ⇄ process
 *
 * Resize: runc copies the outer pty's size to the container's pty when it gets SIGWINCH, and the kernel
 * sends SIGWINCH to the outer pty's foreground group (runc) whenever that pty's size changes; so
 * `stty -F <outer pty> rows R cols C` resizes the process's terminal. The outer pty is runc's fd 0.
 *
 * `script -c` takes a shell string (its only form in util-linux 2.38): every argv word is single-quoted,
 * and `exec` makes runc the direct child of script so /proc/<script>/task/<pid>/children names it.
 *
 * EOF: closing the child's stdin does not give the process EOF (script passes on no VEOF to a raw pty);
 * write "\x04" (^D) first, as a terminal user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../../lib/index.js';
import { FailedPrecondition } from '../../errors/index.js';

export const SCRIPT = '/usr/bin/script';
const STTY = '/bin/stty';

/** Quote one argv word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Spawn `argv` (the runtime's exec command, with --tty) inside a pty made by `script`. */
export function spawnUnderPty(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  // The outer pty must be a transparent pipe (no echo, no \n → \r\n, no line editing): the container's
  // own pty does all that. runc would set it raw itself only after it started, so do it first.
  const command = `${STTY} raw -echo && exec ${argv.map(shellQuote).join(' ')}`;
  // -q: no "Script started" banner; -e: exit with the child's code; /dev/null: no typescript file.
  return spawn(SCRIPT, ['-q', '-e', '-c', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...env, SHELL: '/bin/sh' },
  });
}

/** The outer pty of a child made by `spawnUnderPty`, once runc is running under it. */
async function outerPty(child: ChildProcess, attempts = 100): Promise<string> {
  const pid = child.pid;
  if (pid === undefined) throw new FailedPrecondition('cannot resize exec terminal: the process did not start');
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/);
      const runtimePid = children[0];
      if (runtimePid) {
        const tty = await readlink(`/proc/${runtimePid}/fd/0`);
        if (tty.startsWith('/dev/pts/')) return tty;
      }
    } catch {
      // script has not forked yet, or the child just exited: look again
    }
    await sleep(20);
  }
  throw new FailedPrecondition(`cannot resize exec terminal: no runtime process under pid ${pid}`);
}

/** Set the terminal size seen by the exec'd process. */
export async function resizePty(child: ChildProcess, rows: number, cols: number): Promise<void> {
  const tty = await outerPty(child);
  await run(STTY, ['-F', tty, 'rows', String(rows), 'cols', String(cols)]);
}
