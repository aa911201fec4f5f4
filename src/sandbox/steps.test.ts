import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCallbackUrl, deliverCallback } from './callback.js';
import { parseGrade } from './grade.js';
import { copyTreeNoFollow } from './tree-copy.js';

void describe('copyTreeNoFollow', () => {
  void it('copies files and dirs, skips symlinks and FIFOs, never reads through them', async (t) => {
    const base = await mkdtemp(join(tmpdir(), 'pure-tree-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const src = join(base, 'src');
    const secret = join(base, 'secret');
    await writeFile(secret, 'host secret');
    await mkdir(join(src, 'a', 'b'), { recursive: true });
    await writeFile(join(src, 'a', 'b', 'f'), 'data');
    await writeFile(join(src, 'run'), '#!/bin/sh\n', { mode: 0o700 });
    await symlink(secret, join(src, 'leak'));
    await symlink(base, join(src, 'a', 'up'));
    assert.equal(spawnSync('mkfifo', [join(src, 'fifo')]).status, 0);
    const dest = join(base, 'dest');
    const report = await copyTreeNoFollow(src, dest, { maxBytes: 1 << 20, maxEntries: 100 });
    assert.deepEqual(report.skipped.sort(), ['a/up', 'fifo', 'leak']);
    assert.equal(report.files, 2);
    assert.deepEqual((await readdir(dest)).sort(), ['a', 'run']);
    assert.equal(await readFile(join(dest, 'a', 'b', 'f'), 'utf8'), 'data');
    assert.equal((await stat(join(dest, 'run'))).mode & 0o777, 0o755);
  });

  void it('refuses a tree over its byte or entry budget, and a source that is a symlink', async (t) => {
    const base = await mkdtemp(join(tmpdir(), 'pure-tree-'));
    t.after(() => rm(base, { recursive: true, force: true }));
    const src = join(base, 'src');
    await mkdir(src);
    await writeFile(join(src, 'big'), Buffer.alloc(2048));
    await writeFile(join(src, 'small'), 'x');
    await assert.rejects(copyTreeNoFollow(src, join(base, 'd1'), { maxBytes: 1024, maxEntries: 100 }), /larger than 1024 bytes/);
    await assert.rejects(copyTreeNoFollow(src, join(base, 'd2'), { maxBytes: 1 << 20, maxEntries: 1 }), /more than 1 entries/);
    await symlink(src, join(base, 'link'));
    await assert.rejects(copyTreeNoFollow(join(base, 'link'), join(base, 'd3'), { maxBytes: 1 << 20, maxEntries: 100 }), /not a directory/);
  });
});

void describe('parseGrade', () => {
  void it('reads the JSON object, or the last line of a chatty stdout', () => {
    assert.deepEqual(parseGrade('{"verdict":"success","score":1,"feedback":"ok"}\n'), { grade: { verdict: 'success', score: 1, feedback: 'ok' } });
    assert.deepEqual(parseGrade('compiling...\n{"verdict":"failed","score":0}\n'), { grade: { verdict: 'failed', score: 0, feedback: '' } });
  });
  void it('names what is wrong with garbage', () => {
    assert.match((parseGrade('') as { error: string }).error, /printed nothing/);
    assert.match((parseGrade('oops') as { error: string }).error, /not JSON/);
    assert.match((parseGrade('[1]') as { error: string }).error, /not an object/);
    assert.match((parseGrade('{"verdict":"","score":1}') as { error: string }).error, /"verdict"/);
    assert.match((parseGrade('{"verdict":"x","score":"10"}') as { error: string }).error, /"score"/);
    assert.match((parseGrade('{"verdict":"x","score":1,"feedback":3}') as { error: string }).error, /"feedback"/);
  });
});

void describe('callbacks', () => {
  void it('accepts loopback http URLs only, unless told more hosts', () => {
    for (const ok of ['http://127.0.0.1:8080/x', 'http://localhost/y', 'http://[::1]:9/z']) checkCallbackUrl(ok);
    for (const bad of ['http://10.0.0.1/', 'http://example.com/', 'file:///etc/passwd', 'http://user:pw@127.0.0.1/', 'not a url', 'http://127.0.0.1.evil.com/']) {
      assert.throws(() => checkCallbackUrl(bad), /invalid callbackUrl/, bad);
    }
    checkCallbackUrl('https://grader.example/hook', ['grader.example']);
  });

  void it('retries with backoff until a 2xx, and gives up after the attempts', async (t) => {
    let n = 0;
    const server = createServer((req, res) => {
      n++;
      req.resume();
      req.on('end', () => res.writeHead(n < 3 ? 500 : 200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    assert.deepEqual(await deliverCallback(url, { a: 1 }, { backoffMs: 1 }), { delivered: true, attempts: 3 });
    n = -100;
    const failed = await deliverCallback(url, { a: 1 }, { backoffMs: 1, attempts: 2 });
    assert.deepEqual(failed, { delivered: false, attempts: 2, lastError: 'HTTP 500' });
  });
});
