import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergePartials, parseLogLine, readLog } from './k8s-log.js';
import { runtimeMessage } from './runtime-message.js';

void test('parseLogLine reads time, stream, full/partial tag and content with its spaces', () => {
  assert.deepEqual(parseLogLine('2026-11-26T13:59:41.835613633+00:00 stdout F hello  world '), {
    time: '2026-11-26T13:59:41.835613633+00:00',
    stream: 'stdout',
    partial: false,
    content: 'hello  world ',
  });
  assert.equal(parseLogLine('2026-11-26T13:59:41.8Z stderr P abc')?.partial, true);
  assert.equal(parseLogLine('2026-11-26T13:59:41.8Z stdout F')?.content, '');
  assert.equal(parseLogLine('garbage'), null);
  assert.equal(parseLogLine('2026-11-26T13:59:41.8Z stdin F x'), null);
});

void test('mergePartials joins P entries with the next entry of the same stream only', () => {
  const e = (stream: 'stdout' | 'stderr', partial: boolean, content: string) => ({ time: 't', stream, partial, content });
  const merged = mergePartials([e('stdout', true, 'ab'), e('stderr', false, 'err'), e('stdout', false, 'cd'), e('stdout', true, 'tail')]);
  assert.deepEqual(
    merged.map((m) => [m.stream, m.content, m.partial]),
    [
      ['stderr', 'err', false],
      ['stdout', 'abcd', false],
      ['stdout', 'tail', true],
    ],
  );
});

void test('readLog skips a torn last line and returns nothing for a missing file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'ctr.log');
  await writeFile(path, '2026-11-26T00:00:00Z stdout P a\n2026-11-26T00:00:01Z stdout F b\n2026-11-26T00:00:0');
  assert.deepEqual((await readLog(path)).map((e) => e.content), ['ab']);
  assert.deepEqual((await readLog(path, { merge: false })).map((e) => e.content), ['a', 'b']);
  assert.deepEqual(await readLog(join(dir, 'none.log')), []);
});

void test('runtimeMessage extracts the msg of text and JSON logrus lines as one line', () => {
  const text =
    'time="2026-11-26T13:59:47Z" level=error msg="runc create failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH"\n';
  assert.equal(
    runtimeMessage(text),
    'runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH',
  );
  assert.equal(runtimeMessage('{"level":"error","msg":"container does not exist","time":"x"}\n'), 'container does not exist');
  assert.equal(runtimeMessage('plain failure\n\n'), 'plain failure');
});
