// End to end: named and anonymous volumes through the real `pure` CLI and daemon (runc bind-mounts the volume's
// _data directory; overlayfs underneath): data that outlives containers, ro, docker's copy-up from the image,
// in-use refusal, rm -v / run --rm, prune, a hostile symlink, bad input, and a daemon kill -9.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxTarball, importBusybox, startTestDaemon, type CliResult, type TestDaemon } from './harness.js';

let d: TestDaemon;
let work: string;
const NONE = ['--network', 'none'];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pure-volumes-'));
  d = await startTestDaemon();
  await importBusybox(d);
  // an image with content at its VOLUME path: a file, a directory owned by 1234:4321, a symlink out, mode 1777
  const rootfs = join(work, 'rootfs');
  await mkdir(rootfs);
  spawnSync('tar', ['-xf', await busyboxTarball(), '-C', rootfs]);
  await mkdir(join(rootfs, 'data', 'sub'), { recursive: true });
  await writeFile(join(rootfs, 'data', 'seed.txt'), 'seeded by the image\n');
  await chown(join(rootfs, 'data', 'sub'), 1234, 4321);
  await chmod(join(rootfs, 'data', 'sub'), 0o750);
  await chmod(join(rootfs, 'data'), 0o1777);
  await symlink('/etc', join(rootfs, 'data', 'etc-link'));
  spawnSync('tar', ['-cf', join(work, 'withvol.tar'), '-C', rootfs, '.']);
  const r = d.pure(['import', '--change', 'CMD ["sh"]', '--change', 'VOLUME /data', join(work, 'withvol.tar'), 'withvol']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  try {
    if (d) {
      assert.equal(d.pure(['ps', '-aq']).stdout.trim(), '', 'every test removed its containers');
      assert.deepEqual(d.leaks(), [], 'no mount, runc container or conmon left');
    }
  } finally {
    await d?.cleanup();
    await rm(work, { recursive: true, force: true });
  }
});

function ok(r: CliResult): string {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const volumes = (): string[] => ok(d.pure(['volume', 'ls', '-q'])).split('\n').filter(Boolean).sort();
const run = (flags: string[], ...cmd: string[]): CliResult => d.pure(['run', '--rm', ...NONE, ...flags, 'busybox', ...cmd]);

void test('a named volume\'s data outlives its container and the next container sees it', () => {
  assert.equal(ok(d.pure(['volume', 'create', '--label', 'team=db', 'keep1'])), 'keep1\n');
  ok(run(['-v', 'keep1:/data'], 'sh', '-c', 'echo persisted > /data/f'));
  assert.equal(ok(run(['--mount', 'type=volume,source=keep1,target=/mnt'], 'cat', '/mnt/f')), 'persisted\n');
  const [v] = JSON.parse(ok(d.pure(['volume', 'inspect', 'keep1']))) as { mountpoint: string; labels: object; anonymous: boolean }[];
  assert.deepEqual(v?.labels, { team: 'db' });
  assert.equal(v?.anonymous, false);
  assert.ok(v?.mountpoint.startsWith(d.root));
  ok(d.pure(['volume', 'rm', 'keep1']));
  assert.ok(!volumes().includes('keep1'));
});

void test('-v NAME:/path creates the volume; :ro and readonly refuse writes', () => {
  ok(run(['-v', 'auto1:/data'], 'sh', '-c', 'echo x > /data/f'));
  assert.ok(volumes().includes('auto1'), 'run -v NAME:/path creates the named volume, and --rm keeps it');
  for (const flags of [['-v', 'auto1:/data:ro'], ['--mount', 'type=volume,src=auto1,dst=/data,readonly']]) {
    const r = run(flags, 'sh', '-c', 'cat /data/f && echo y > /data/g');
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, 'x\n');
    assert.match(r.stderr, /Read-only file system/);
  }
  ok(d.pure(['volume', 'rm', 'auto1']));
});

void test('copy-up: an image VOLUME becomes an anonymous volume filled from the image (modes, owners, links kept); rm -v removes it', () => {
  const before = volumes();
  ok(d.pure(['create', '--name', 'cu', ...NONE, 'withvol', 'sh', '-c', 'stat -c "%a %u:%g" /data /data/sub; readlink /data/etc-link; cat /data/seed.txt']));
  const added = volumes().filter((n) => !before.includes(n));
  assert.equal(added.length, 1);
  assert.match(added[0] ?? '', /^[0-9a-f]{64}$/);
  ok(d.pure(['start', '-a', 'cu']));
  assert.equal(ok(d.pure(['logs', 'cu'])), '1777 0:0\n750 1234:4321\n/etc\nseeded by the image\n');
  // a named volume that is new is filled too; one mounted with nocopy is not
  assert.equal(ok(d.pure(['run', '--rm', ...NONE, '-v', 'fresh1:/data', 'withvol', 'cat', '/data/seed.txt'])), 'seeded by the image\n');
  assert.equal(ok(d.pure(['run', '--rm', ...NONE, '-v', 'bare1:/data:nocopy', 'withvol', 'ls', '-A', '/data'])), '');
  ok(d.pure(['rm', '-v', 'cu']));
  assert.deepEqual(volumes().filter((n) => !before.includes(n)).sort(), ['bare1', 'fresh1'], 'rm -v removed the anonymous volume, named ones stay');
  ok(d.pure(['volume', 'rm', 'bare1', 'fresh1']));
});

void test('run --rm removes anonymous volumes (-v /path) but keeps named ones; rm without -v keeps them', () => {
  const before = volumes();
  ok(run(['-v', '/scratch', '-v', 'named-rm:/n'], 'touch', '/scratch/x'));
  assert.deepEqual(volumes().filter((n) => !before.includes(n)), ['named-rm']);
  ok(d.pure(['create', '--name', 'keepanon', ...NONE, '-v', '/anon', 'busybox', 'true']));
  ok(d.pure(['rm', 'keepanon']));
  assert.equal(volumes().filter((n) => !before.includes(n)).length, 2, 'rm without -v leaves the anonymous volume');
  ok(d.pure(['volume', 'rm', 'named-rm']));
});

void test('a volume in use by a container, running or not, cannot be removed', () => {
  ok(d.pure(['create', '--name', 'holder', ...NONE, '-v', 'busy1:/x', 'busybox', 'true']));
  const r = d.pure(['volume', 'rm', '-f', 'busy1']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'pure: cannot remove volume "busy1": it is in use by container "holder"\n');
  const ls = ok(d.pure(['volume', 'ls', '--filter', 'dangling=false', '--format', 'json'])).trim().split('\n');
  assert.deepEqual(ls.map((l) => (JSON.parse(l) as { name: string }).name), ['busy1']);
  ok(d.pure(['rm', 'holder']));
  ok(d.pure(['volume', 'rm', 'busy1']));
});

void test('prune removes unused anonymous volumes; -a also unused named ones; volumes in use stay', () => {
  ok(d.pure(['volume', 'create', 'named-p']));
  ok(d.pure(['create', '--name', 'p-user', ...NONE, '-v', 'used-p:/u', '-v', '/anon-used', 'busybox', 'true']));
  const r = d.pure(['volume', 'prune', '-f']);
  assert.equal(ok(r).split('\n')[0], 'Deleted Volumes:');
  assert.ok(volumes().includes('named-p') && volumes().includes('used-p'));
  assert.equal(d.pure(['volume', 'ls', '-q', '--filter', 'dangling=true']).stdout.split('\n').filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 0);
  const cancelled = d.pure(['volume', 'prune', '-a'], { input: 'n\n' });
  assert.equal(cancelled.code, 1);
  assert.match(cancelled.stderr, /^pure: volume prune has been cancelled\n$/);
  ok(d.pure(['volume', 'prune', '-a'], { input: 'y\n' }));
  assert.ok(!volumes().includes('named-p'));
  assert.equal(volumes().length, 2, 'the two volumes of p-user stay');
  ok(d.pure(['rm', '-v', 'p-user']));
  assert.deepEqual(volumes(), ['used-p']);
  ok(d.pure(['volume', 'rm', 'used-p']));
});

void test('removing a volume never follows a symlink a container planted in it: the host directory survives', async () => {
  const hostDir = join(work, 'host-secret');
  await mkdir(hostDir);
  await writeFile(join(hostDir, 'keep'), 'precious');
  // inside the container the link dangles; on the host, _data/link points at hostDir
  ok(run(['-v', 'evil1:/data'], 'sh', '-c', `ln -s ${hostDir} /data/link && ln -s ${hostDir}/keep /data/file`));
  ok(d.pure(['volume', 'rm', 'evil1']));
  assert.equal(await readFile(join(hostDir, 'keep'), 'utf8'), 'precious');
  assert.ok(!existsSync(join(d.root, 'volumes', 'evil1')));
});

void test('bad input: one line naming the value, and nothing is left', () => {
  const before = volumes();
  const cases: [string[], number, RegExp][] = [
    [['volume', 'create', 'bad/name'], 1, /^pure: invalid volume name "bad\/name": only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed, at least 2 characters\n$/],
    [['volume', 'inspect', 'ghost'], 1, /^pure: no such volume: "ghost"\n$/],
    [['run', '--rm', ...NONE, '--mount', 'type=volume,source=nope1,target=/x', 'busybox', 'true'], 125, /^pure: no such volume: "nope1" \(--mount does not create volumes/],
    [['run', '--rm', ...NONE, '--mount', 'type=volume,target=/x,bogus=1', 'busybox', 'true'], 125, /^pure: invalid --mount "type=volume,target=\/x,bogus=1": unknown or misplaced field "bogus" for type=volume\n$/],
    [['run', '--rm', ...NONE, '-v', 'newvol1:/x', '-v', '/x', 'busybox', 'true'], 125, /^pure: duplicate mount point "\/x"\n$/],
    [['run', '--rm', ...NONE, '-v', 'x!y:/x', 'busybox', 'true'], 125, /^pure: invalid -v "x!y:\/x": "x!y" is neither an absolute host path nor a volume name/],
  ];
  for (const [args, code, re] of cases) {
    const r = d.pure(args);
    assert.equal(r.code, code, args.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  assert.deepEqual(volumes(), before);
  assert.equal(d.pure(['ps', '-aq']).stdout, '');
});

void test('--mount type=tmpfs with a size', () => {
  const out = ok(run(['--mount', 'type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770'], 'sh', '-c', 'grep " /t " /proc/mounts; stat -c %a /t'));
  assert.match(out, /tmpfs \/t tmpfs .*size=1024k/);
  assert.match(out, /\n1770\n$/);
});

void test('volumes and their data survive a daemon kill -9 and restart', async () => {
  ok(run(['-v', 'crash1:/data'], 'sh', '-c', 'echo survived > /data/f'));
  await d.kill9();
  await d.restart();
  assert.ok(volumes().includes('crash1'));
  assert.equal(ok(run(['-v', 'crash1:/data'], 'cat', '/data/f')), 'survived\n');
  ok(d.pure(['volume', 'rm', 'crash1']));
});
