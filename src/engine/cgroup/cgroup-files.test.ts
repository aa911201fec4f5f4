/** Parsing of control files, and the v2 layout read from a directory shaped like a cgroup2 mount. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupReader, parseBlkioServiceBytes, parseIoStat, parseKeyValues, parseLimit } from './index.js';

void test('parseLimit treats "max" and v1 near-2^63 values as unlimited', () => {
  assert.equal(parseLimit('max\n'), null);
  assert.equal(parseLimit('9223372036854771712\n'), null);
  assert.equal(parseLimit('16777216\n'), 16777216);
});

void test('parseKeyValues reads oom_control and memory.events counters', () => {
  const m = parseKeyValues('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
  assert.equal(m.get('oom_kill'), 3);
  assert.equal(m.get('under_oom'), 0);
});

void test('blkio and io.stat byte counters are summed over devices', () => {
  assert.deepEqual(parseBlkioServiceBytes('8:0 Read 4096\n8:0 Write 100\n8:16 Read 4\n8:0 Total 4200\nTotal 4200\n'), { read: 4100, write: 100 });
  assert.deepEqual(parseIoStat('8:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:16 rbytes=5 wbytes=0 rios=1 wios=0\n'), { read: 15, write: 20 });
});

void test('a v2 cgroup reports usage minus inactive file, limits, io and oom kills', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pure-cg2-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'pure', 'c1');
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n',
    'memory.current': '10485760\n',
    'memory.stat': 'anon 8000000\nfile 2485760\ninactive_file 1048576\n',
    'memory.max': '33554432\n',
    'memory.peak': '12000000\n',
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n',
    'pids.current': '3\n',
    'pids.max': 'max\n',
    'io.stat': '254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n',
  };
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);
  const reader = new CgroupReader({ mode: 'v2', root });
  assert.deepEqual(await reader.stats('/pure/c1'), {
    cpuUsageNs: 1_500_000,
    cpuUserNs: 1_000_000,
    cpuSystemNs: 500_000,
    memoryUsage: 10485760 - 1048576,
    memoryLimit: 33554432,
    memoryCache: 2485760,
    memoryPeak: 12000000,
    pids: 3,
    pidsLimit: null,
    blkioRead: 4096,
    blkioWrite: 8192,
  });
  assert.equal(await reader.oomKilled('/pure/c1'), true);
  assert.equal(await reader.memoryPeak('/pure/c1'), 12000000);
  assert.deepEqual(await reader.listCgroups('/pure'), ['/pure/c1']);
  assert.equal(await reader.stats('/pure/gone'), null);
  assert.equal(await reader.oomKilled('/pure/gone'), false);
});
