import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { jobScript, shellQuote } from './launcher.js';
import { verdict } from './verdict.js';
import { resolveLimits } from './limits.js';
import { hostPathOf } from './workspace.js';

void describe('sandbox rules', () => {
  void it('quotes every argument so the shell parses none of it', () => {
    const nasty = ["a'b", '$(id)', '`x`', 'new\nline', '; rm -rf /', ''];
    const out = execFileSync('/usr/bin/busybox', ['sh', '-c', `printf '%s|' ${nasty.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    assert.equal(out, `${nasty.join('|')}|`);
    assert.ok(jobScript({ command: ['echo', "it's"] }).includes("exec 'echo' 'it'\\''s' < /.pure/stdin\n"));
  });

  void it('gives our own kills precedence, then the kernel, then the disk, then the exit code', () => {
    const base = { status: 1, killedFor: null, oomKilled: false, cpuTimeMs: 10, signal: null, diskFull: false, limits: { cpuTimeMs: 1000 } } as const;
    assert.equal(verdict({ ...base, killedFor: 'output', oomKilled: true }), 'output_limit');
    assert.equal(verdict({ ...base, oomKilled: true }), 'memory_limit');
    assert.equal(verdict({ ...base, signal: 'SIGXCPU' }), 'time_limit');
    assert.equal(verdict({ ...base, status: null, killedFor: 'wall' }), 'wall_time_limit');
    assert.equal(verdict({ ...base, diskFull: true }), 'disk_limit');
    assert.equal(verdict({ ...base, status: 0, diskFull: true }), 'ok');
    assert.equal(verdict(base), 'runtime_error');
  });

  void it('refuses limits out of bounds and paths outside /work and /tmp', () => {
    assert.throws(() => resolveLimits({ memoryBytes: 1 }), /memoryBytes/);
    assert.throws(() => resolveLimits({ bogus: 1 } as never), /bogus/);
    assert.equal(hostPathOf('/t', 'a/b'), '/t/work/a/b');
    assert.equal(hostPathOf('/t', '/tmp/x'), '/t/tmp/x');
    assert.throws(() => hostPathOf('/t', '../x'), /\.\./);
    assert.throws(() => hostPathOf('/t', '/etc/passwd'), /under/);
  });
});
