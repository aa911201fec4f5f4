import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ellipsis, formatBinaryBytes, formatSize, humanDuration, percent, renderTable, shortId, splitRepoTag, statusText, timeAgo } from './format.js';
import { psTable, statsTable } from './container-list.js';
import { imagesTable } from './image-commands.js';
import type { ContainerSummary } from '../api/types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

void test('humanDuration reads like docker at every scale', () => {
  assert.equal(humanDuration(400), 'Less than a second');
  assert.equal(humanDuration(1 * S), '1 second');
  assert.equal(humanDuration(3 * S), '3 seconds');
  assert.equal(humanDuration(59 * S), '59 seconds');
  assert.equal(humanDuration(60 * S), 'About a minute');
  assert.equal(humanDuration(119 * S), 'About a minute');
  assert.equal(humanDuration(2 * M), '2 minutes');
  assert.equal(humanDuration(59 * M), '59 minutes');
  assert.equal(humanDuration(60 * M), 'About an hour');
  assert.equal(humanDuration(89 * M), 'About an hour');
  assert.equal(humanDuration(90 * M), '2 hours');
  assert.equal(humanDuration(47 * H), '47 hours');
  assert.equal(humanDuration(3 * D), '3 days');
  assert.equal(humanDuration(15 * D), '2 weeks');
  assert.equal(humanDuration(90 * D), '3 months');
  assert.equal(humanDuration(800 * D), '2 years');
});

void test('timeAgo appends "ago" and clamps a future time', () => {
  const now = Date.parse('2025-01-01T00:00:10Z');
  assert.equal(timeAgo('2025-01-01T00:00:07Z', now), '3 seconds ago');
  assert.equal(timeAgo('2025-01-01T00:01:00Z', now), 'Less than a second ago');
  assert.equal(timeAgo(null, now), '');
});

void test('statusText follows docker for each state', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  const base = { exitCode: 0, startedAt: '2025-01-01T00:09:57Z', finishedAt: null };
  assert.equal(statusText({ ...base, state: 'running' }, now), 'Up 3 seconds');
  assert.equal(statusText({ ...base, state: 'paused' }, now), 'Up 3 seconds (Paused)');
  assert.equal(statusText({ ...base, state: 'created', startedAt: null }, now), 'Created');
  assert.equal(
    statusText({ ...base, state: 'exited', exitCode: 137, finishedAt: '2025-01-01T00:08:00Z' }, now),
    'Exited (137) 2 minutes ago',
  );
  assert.equal(statusText({ ...base, state: 'dead' }, now), 'Dead');
});

void test('statusText shows a running container\'s health as docker ps does', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  const base = { exitCode: 0, startedAt: '2025-01-01T00:09:55Z', finishedAt: null, state: 'running' as const };
  assert.equal(statusText({ ...base, health: 'healthy' }, now), 'Up 5 seconds (healthy)');
  assert.equal(statusText({ ...base, health: 'starting' }, now), 'Up 5 seconds (health: starting)');
  assert.equal(statusText({ ...base, health: 'unhealthy' }, now), 'Up 5 seconds (unhealthy)');
});

void test('sizes: decimal for images and block I/O, binary for memory', () => {
  assert.equal(formatSize(0), '0B');
  assert.equal(formatSize(4_260_000), '4.26MB');
  assert.equal(formatBinaryBytes(1536 * 1024), '1.5MiB');
  assert.equal(formatBinaryBytes(2 * 1024 ** 3 - 60 * 1024 ** 2), '1.941GiB');
  assert.equal(formatBinaryBytes(512), '512B');
  assert.equal(percent(12.3456), '12.35%');
  assert.equal(percent(NaN), '--');
});

void test('shortId, ellipsis and splitRepoTag', () => {
  assert.equal(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
  assert.equal(shortId('fedcba9876543210fedc'), 'fedcba987654');
  assert.equal(ellipsis('sh -c "sleep 1000; echo done"', 20), 'sh -c "sleep 1000; …');
  assert.equal(ellipsis('true', 20), 'true');
  assert.deepEqual(splitRepoTag('busybox'), { repository: 'busybox', tag: 'latest' });
  assert.deepEqual(splitRepoTag('localhost:5000/app:1.2'), { repository: 'localhost:5000/app', tag: '1.2' });
  assert.deepEqual(splitRepoTag('localhost:5000/app'), { repository: 'localhost:5000/app', tag: 'latest' });
});

void test('renderTable pads columns by three spaces and leaves no trailing blanks', () => {
  const text = renderTable(['A', 'LONG HEADER', 'Z'], [['xxxx', 'y', ''], ['', 'yy', 'last']]);
  assert.equal(text, 'A      LONG HEADER   Z\nxxxx   y\n       yy            last\n');
});

void test('ps table shows short ids, quoted truncated commands and docker statuses', () => {
  const now = Date.parse('2025-01-01T00:10:00Z');
  const c: ContainerSummary = {
    id: 'a'.repeat(64),
    name: 'web',
    image: 'busybox',
    imageId: 'sha256:' + 'b'.repeat(64),
    command: 'sh -c "while true; do sleep 1; done"',
    created: '2025-01-01T00:05:00Z',
    state: 'running',
    exitCode: 0,
    startedAt: '2025-01-01T00:09:55Z',
    finishedAt: null,
    labels: {},
  };
  const lines = psTable([c], now).split('\n');
  assert.equal(lines[0], 'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         NAMES');
  assert.equal(lines[1], 'aaaaaaaaaaaa   busybox   "sh -c "while true; …"   5 minutes ago   Up 5 seconds   web');
  assert.ok(psTable([c], now, false).includes('a'.repeat(64)));
});

void test('images table has one row per tag and <none> for untagged images', () => {
  const now = Date.parse('2025-01-15T00:00:00Z');
  const text = imagesTable(
    [
      { id: 'sha256:' + 'c'.repeat(64), repoTags: ['busybox:latest', 'bb:1'], created: '2025-01-01T00:00:00Z', size: 2_150_000 },
      { id: 'sha256:' + 'd'.repeat(64), repoTags: [], created: '2025-01-14T00:00:00Z', size: 10 },
    ],
    now,
  );
  assert.deepEqual(text.trimEnd().split('\n'), [
    'REPOSITORY   TAG      IMAGE ID       CREATED        SIZE',
    'busybox      latest   cccccccccccc   2 weeks ago    2.15MB',
    'bb           1        cccccccccccc   2 weeks ago    2.15MB',
    '<none>       <none>   dddddddddddd   24 hours ago   10B',
  ]);
});

void test('stats table shows docker columns', () => {
  const text = statsTable([
    {
      id: 'e'.repeat(64), name: 'db', read: '', cpuPercent: 1.5, cpuUsageNs: 0, onlineCpus: 2,
      memoryUsage: 1536 * 1024, memoryLimit: 64 * 1024 * 1024, memoryPercent: 2.34375, pids: 3,
      blkioRead: 1_200_000, blkioWrite: 0,
    },
  ]);
  assert.deepEqual(text.trimEnd().split('\n'), [
    'CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT   MEM %   BLOCK I/O    PIDS',
    'eeeeeeeeeeee   db     1.50%   1.5MiB / 64MiB      2.34%   1.2MB / 0B   3',
  ]);
});
