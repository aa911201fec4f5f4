/**
 * What `pure pull` prints, as a person sees it: under a pseudo-terminal (util-linux `script`, with a fixed
 * COLUMNS), per-layer lines redrawn in place with a bar, byte counts and "Pull complete"; into a pipe, plain
 * lines, one per change of a layer's state, with no escape codes; with -q, the reference alone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PURE_BIN, startTestDaemon, type TestDaemon } from './harness.js';
import { skopeoPush, startRegistry, writeLayout, type TestRegistry } from './fixtures/registry.js';
import { makeBusyboxTar } from './fixtures/busybox.js';

let work: string;
let registry: TestRegistry;
let d: TestDaemon;
let ref: string;
/** The short ids (12 hex digits of the blob digest) of the image's layers, lowest first. */
let layerIds: string[];
/** ESC, and the CSI sequences TransferOutput writes (`ESC[3A` up, `ESC[2K` clear line). */
const ESC = String.fromCharCode(27);
const CSI_AT_START = new RegExp(`^${ESC}\\[(\\d*)([AK])`);
const CURSOR_UP = new RegExp(`${ESC}\\[\\d+A`);
const ANY_CSI = new RegExp(`${ESC}\\[[\\d;]*[A-Za-z]`, 'g');

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-progress-'));
  registry = await startRegistry();
  d = await startTestDaemon();
  await makeBusyboxTar(join(work, 'bb.tar'));
  // a second layer of 2 MiB of random bytes: incompressible, so its download takes more than one event
  await mkdir(join(work, 'extra'));
  await writeFile(join(work, 'extra', 'random.bin'), randomBytes(2 * 1024 * 1024));
  execFileSync('tar', ['-cf', join(work, 'extra.tar'), '-C', join(work, 'extra'), 'random.bin']);
  await writeLayout(join(work, 'layout'), 'p', [{ layers: [await readFile(join(work, 'bb.tar')), await readFile(join(work, 'extra.tar'))], gzip: true }]);
  ref = `${registry.host}/pure/progress:p`;
  skopeoPush(join(work, 'layout'), 'p', ref);
  const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as { layers: { digest: string }[] };
  layerIds = raw.layers.map((l) => l.digest.slice(7, 19));
});

after(async () => {
  await d?.cleanup();
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Run `pure pull` under a pseudo-terminal 100 columns wide; resolves with the raw bytes it wrote. */
function pullOnTty(): { code: number; raw: string } {
  const r = spawnSync('script', ['-qfec', `${PURE_BIN} pull ${ref}`, '/dev/null'], {
    env: { ...process.env, PURE_SOCKET: d.socket, COLUMNS: '100', TERM: 'xterm' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, raw: r.stdout };
}

/**
 * The screen the bytes leave behind, for the codes TransferOutput uses (CR, LF, ESC[nA up, ESC[2K clear
 * line) and the terminal's CR LF. Anything else would be a bug: it throws.
 */
function screen(raw: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < raw.length; ) {
    const esc = CSI_AT_START.exec(raw.slice(i, i + 8));
    if (esc) {
      if (esc[2] === 'A') row = Math.max(0, row - Number(esc[1] || 1));
      else if (esc[1] === '2') rows[row] = '';
      else throw new Error(`unexpected escape ${JSON.stringify(esc[0])}`);
      i += esc[0].length;
      continue;
    }
    const ch = raw[i++]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      if (rows.length <= row) rows.push('');
    } else if (ch === ESC) throw new Error(`unexpected escape at ${i}: ${JSON.stringify(raw.slice(i - 1, i + 8))}`);
    else {
      const line = (rows[row] ?? '').padEnd(col);
      rows[row] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  return rows.filter((r, i) => r !== '' || i < rows.length - 1);
}

void test('on a terminal, pull redraws one line per layer: a bar and byte counts while downloading, Pull complete at the end', () => {
  const { code, raw } = pullOnTty();
  assert.equal(code, 0, raw);
  assert.match(raw, CURSOR_UP, 'lines are redrawn in place');
  // while it moved: the bar, the byte counts, for each layer
  for (const id of layerIds) {
    assert.match(raw, new RegExp(`${id}: Downloading \\[[= >]{29,}\\] [\\d.]+[kMG]?B/[\\d.]+[kMG]?B`), `a bar for ${id}`);
  }
  // and what is left on the screen: the manifest digest, each layer once, complete, the status, the reference
  const lines = screen(raw);
  assert.match(lines[0] ?? '', /^Digest: sha256:[0-9a-f]{64}$/);
  assert.deepEqual(lines.slice(1), [...layerIds.map((id) => `${id}: Pull complete`), `Status: Downloaded newer image for ${ref}`, ref], JSON.stringify(raw));
  for (const line of raw.split(/\r?\n|\r/)) assert.ok(line.replace(ANY_CSI, '').length < 100, `fits in 100 columns: ${line}`);
});

void test('into a pipe, pull prints plain lines, one per change of a layer state, and -q only the reference', () => {
  assert.equal(d.pure(['rmi', ref]).code, 0);
  const pull = d.pure(['pull', ref]);
  assert.equal(pull.code, 0, pull.stderr);
  assert.ok(!pull.stdout.includes(ESC), 'no escape codes');
  assert.doesNotMatch(pull.stdout, /Downloading/);
  const lines = pull.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(-2), [`Status: Downloaded newer image for ${ref}`, ref]);
  assert.match(lines[0] ?? '', /^Digest: sha256:[0-9a-f]{64}$/);
  for (const line of lines.slice(1, -2)) assert.match(line, /^[0-9a-f]{12}: (Waiting|Already exists|Download complete|Extracting|Pull complete)$/);
  for (const id of layerIds) {
    const states = lines.filter((l) => l.startsWith(`${id}: `)).map((l) => l.slice(14));
    assert.deepEqual(states, ['Waiting', 'Download complete', 'Extracting', 'Pull complete'], `${id}: ${pull.stdout}`);
  }
  assert.equal(d.pure(['rmi', ref]).code, 0);
  const quiet = d.pure(['pull', '-q', ref]);
  assert.equal(quiet.stdout, `${ref}\n`, quiet.stderr);
  assert.deepEqual(d.leaks(), []);
});
