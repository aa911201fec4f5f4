/**
 * runc and crun report failures on stderr as logrus lines, either text
 * (`time="…" level=error msg="runc create failed: …"`) or JSON (`{"level":"error","msg":"…"}`).
 * Users must see the `msg` alone, on one line: `exec: "nosuch": executable file not found in $PATH`.
 */

/** The last error message found in a runtime's stderr, unquoted; the last non-empty line otherwise. */
export function runtimeMessage(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let found: string | undefined;
  for (const line of lines) {
    const msg = messageOfLine(line);
    if (msg !== undefined) found = msg;
  }
  const text = found ?? lines[lines.length - 1] ?? '';
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function messageOfLine(line: string): string | undefined {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown };
      if (typeof parsed.msg === 'string') return parsed.msg;
    } catch {
      // not JSON after all: try logfmt below
    }
  }
  const m = /(?:^|\s)msg="((?:[^"\\]|\\.)*)"/.exec(line);
  if (m) {
    try {
      return JSON.parse(`"${m[1] ?? ''}"`) as string;
    } catch {
      return m[1];
    }
  }
  const bare = /(?:^|\s)msg=(\S+)/.exec(line);
  return bare?.[1];
}

/** True when the runtime says the id is unknown (runc: "container does not exist"; crun: "does not exist"). */
export function isUnknownContainer(stderr: string): boolean {
  return /does not exist|no such file or directory/i.test(runtimeMessage(stderr));
}
