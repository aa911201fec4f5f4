/**
 * `pure bench all --quick` against a real daemon: every experiment runs (Pure's candidates only, one run, no
 * warm-up, to stay fast) and leaves a complete, well-formed report — raw samples, summary, Markdown, charts.
 * No timing is asserted: only that the numbers exist and the files are what they claim to be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon } from './harness.js';
import { startPrivateDaemon } from '../src/bench/private-daemon.js';

interface RawCase {
  experiment: string;
  name: string;
  phases: string[];
  result: { runs: number; candidates: { name: string; status: string; reason?: string; samplesNs: number[]; phasesNs: Record<string, number[]> }[] };
}

void test('pure bench all --quick writes raw samples, a summary, a Markdown report and a chart per case', async (t) => {
  const d = await startTestDaemon();
  const dir = await mkdtemp(join(tmpdir(), 'pure-bench-smoke-'));
  t.after(async () => {
    await d.cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  const out = join(dir, 'report');
  const r = await d.pureAsync(['bench', 'all', '--quick', '--runs', '1', '--warmup', '0', '--only', 'overlay,native,pure host', '--out', out, '--cache', join(dir, 'cache')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(out, 'report.md'));
  // not a TTY: one progress line per step
  assert.match(r.stderr, /experiment boot/);
  assert.match(r.stderr, /pure overlay run 1: [\d.]+ ms/);

  const raw = JSON.parse(readFileSync(join(out, 'raw.json'), 'utf8')) as { machine: { cores: number }; cases: RawCase[] };
  assert.ok(raw.machine.cores > 0);
  assert.deepEqual([...new Set(raw.cases.map((c) => c.experiment))], ['boot', 'io', 'net', 'overhead']);
  assert.equal(raw.cases.filter((c) => c.experiment === 'io').length, 8, 'quick io: 2 databases + 2 file sets, each in rootfs and volume');
  for (const c of raw.cases) {
    const ok = c.result.candidates.filter((x) => x.status === 'ok');
    assert.ok(ok.length >= 1, `${c.name}: no candidate ran: ${JSON.stringify(c.result.candidates.map((x) => x.reason))}`);
    for (const x of ok) {
      assert.equal(x.samplesNs.length, c.result.runs, `${c.name} / ${x.name}`);
      for (const p of c.phases) if (x.name !== 'native' || p === 'workload') assert.equal(x.phasesNs[p]?.length, c.result.runs, `${c.name} / ${x.name} / ${p}`);
    }
  }

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { rows: { median?: number; status: string }[]; findings: { verdict: string }[] };
  assert.ok(summary.rows.some((x) => x.status === 'ok' && typeof x.median === 'number' && x.median > 0));
  assert.ok(summary.findings.length > 0);

  const md = readFileSync(join(out, 'report.md'), 'utf8');
  for (const h of ['## boot', '## io', '## net', '## overhead', '## Compared with the published results', '## Machine']) assert.ok(md.includes(h), h);
  const images = [...md.matchAll(/!\[[^\]]*\]\((charts\/[^)]+)\)/g)].map((m) => m[1]!);
  assert.equal(images.length, raw.cases.length);
  for (const png of images) {
    assert.ok(png.endsWith('.png'), png);
    assert.deepEqual([...readFileSync(join(out, png)).subarray(1, 4)], [0x50, 0x4e, 0x47], `${png} is a PNG`);
    const svg = join(out, png.replace(/\.png$/, '.svg'));
    assert.ok(existsSync(svg));
    assert.match(readFileSync(svg, 'utf8'), /^<svg[^>]*>[\s\S]*<\/svg>\s*$/);
  }
  assert.deepEqual(d.leaks(), []);
});

void test("the bench's private daemon leaves no bridge, iptables rule, mount or directory behind", async () => {
  const before = spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' }).stdout;
  const p = await startPrivateDaemon({ snapshotter: 'copy' });
  const made = spawnSync('ip', ['-br', 'link'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((name) => name.startsWith('pbench') && !before.includes(name));
  assert.equal(made.length, 1, 'the private daemon makes its own bridge');
  const bridge = made[0]!;
  assert.match(spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout, new RegExp(bridge));
  await p.stop();
  assert.equal(spawnSync('ip', ['link', 'show', bridge]).status !== 0, true, `${bridge} is gone`);
  assert.doesNotMatch(spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout, new RegExp(bridge));
  assert.equal(existsSync(p.socket), false);
  assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /pure-bench-daemon-/);
});
