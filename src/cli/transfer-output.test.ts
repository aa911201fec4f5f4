import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { TransferOutput } from './transfer-output.js';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  return { out, text: () => text };
}

void test('on a terminal, a moving layer shows a bar sized to the width, its bytes and its speed from a clock', () => {
  const { out, text } = capture();
  let now = 1000;
  const o = new TransferOutput(out, { tty: true, columns: 100, now: () => now });
  o.event({ status: 'downloading', id: 'aaaaaaaaaaaa', current: 0, total: 4_000_000 });
  now += 2000;
  o.event({ status: 'downloading', id: 'aaaaaaaaaaaa', current: 2_000_000, total: 4_000_000 });
  const last = text().split('\n').at(-2) ?? '';
  assert.equal(last, `\x1b[1A\r\x1b[2Kaaaaaaaaaaaa: Downloading [${'='.repeat(15)}>${' '.repeat(14)}] 2.00MB/4.00MB  1.00MB/s`);
});

void test('a narrow terminal gets a 10-cell bar and lines cut to its width', () => {
  const { out, text } = capture();
  const o = new TransferOutput(out, { tty: true, columns: 40 });
  o.event({ status: 'pushing', id: 'bbbbbbbbbbbb', current: 4_000_000, total: 4_000_000 });
  const line = (text().split('\n').at(-2) ?? '').replace('\r\x1b[2K', '');
  assert.equal(line, `bbbbbbbbbbbb: Pushing [${'='.repeat(10)}] 4.00MB/4.00MB`.slice(0, 39));
});

void test('a layer is complete when the next starts extracting, the last one when the pull is done; plain lines without a terminal', () => {
  const { out, text } = capture();
  const o = new TransferOutput(out, { tty: false });
  o.event({ status: 'downloading', id: 'a', current: 5, total: 10 });
  o.event({ status: 'extracting', id: 'a' });
  o.event({ status: 'extracting', id: 'b' });
  o.event({ status: 'done', message: 'Status: Downloaded x' });
  o.message('Status: Downloaded newer image for x');
  assert.equal(text(), 'a: Extracting\na: Pull complete\nb: Extracting\nb: Pull complete\nStatus: Downloaded newer image for x\n');
});
