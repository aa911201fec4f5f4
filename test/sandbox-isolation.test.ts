/**
 * A sandbox's own network and its own host ids, through the real daemon: a job that asks for network gets a
 * fresh netns on the default bridge network (never the host's), reaches a server on the bridge's gateway,
 * and leaves no netns, veth or address lease behind — also when killed at its wall limit; a job that does
 * not ask cannot reach it. Two jobs running at once own different host uid ranges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { importBusybox, startTestDaemon, type TestDaemon } from './harness.js';
import { api, runJob } from './fixtures/api.js';
import type { JobRecord, JobRequest } from '../src/sandbox/index.js';

// busybox wget -T segfaults here: timeouts come from timeout(1)
const sh = (script: string, more: Partial<JobRequest> = {}): JobRequest => ({ image: 'busybox', command: ['sh', '-c', script], ...more });

/** Poll until `check` holds (the sandbox is destroyed in the background after its result). Not a timing assertion. */
async function eventually(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) assert.fail(`still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const hostLinkIndexes = (): Set<number> =>
  new Set(
    spawnSync('ip', ['-o', 'link'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number.parseInt(l, 10))
      .filter((n) => Number.isInteger(n)),
  );

void describe('sandbox network and host ids', { timeout: 240_000 }, () => {
  let d: TestDaemon;
  let server: Server;
  let gateway = '';
  let port = 0;
  const leases = (): string[] => readdirSync(join(d.root, 'networks', 'ipam', 'bridge')).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
  const netnsFiles = (): string[] => (existsSync(join(d.runRoot, 'netns')) ? readdirSync(join(d.runRoot, 'netns')) : []);

  before(async () => {
    d = await startTestDaemon();
    await importBusybox(d, 'busybox');
    const net = await api<{ gateway: string }>(d, 'GET', '/v1/networks/bridge');
    gateway = net.body.gateway;
    // a server only the bridge side of the host answers on: a job reaches it through its veth or not at all
    server = createServer((_req, res) => res.end('hello from the gateway\n'));
    await new Promise<void>((resolve) => server.listen(0, gateway, resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await d?.cleanup();
  });

  void it('gives a networked job its own netns on the bridge: the gateway answers, the host links are not there', async () => {
    const r = await runJob(d, sh(`ip -o link | cut -d: -f2 | tr -d ' '; ip -o -4 addr show eth0 | awk '{print $4}'; timeout 10 wget -q -O - http://${gateway}:${port}/`, { network: true, warm: false }));
    assert.equal(r.status, 'ok', `${r.stdout} ${r.stderr}`);
    const lines = r.stdout.split('\n');
    // lo and one veth end (eth0@ifN: its host peer), nothing of the host's
    assert.equal(lines[0], 'lo');
    assert.match(lines[1] ?? '', /^eth0@if\d+$/);
    assert.match(lines[2] ?? '', /^10\.\d+\.\d+\.\d+\/\d+$/);
    assert.equal(lines[3], 'hello from the gateway');
    const peer = Number((lines[1] ?? '').split('@if')[1]);
    await eventually(() => !hostLinkIndexes().has(peer), `host veth ${peer} removed`);
    await eventually(() => leases().length === 0, `no address lease left: ${leases().join(' ')}`);
    await eventually(() => netnsFiles().length === 0, `no netns file left: ${netnsFiles().join(' ')}`);
  });

  void it('gives a job that did not ask for network only loopback: the gateway is unreachable', async () => {
    const r = await runJob(d, sh(`ip -o link | cut -d: -f2 | tr -d ' '; timeout 10 wget -q -O - http://${gateway}:${port}/ || echo unreachable`));
    assert.equal(r.stdout, 'lo\nunreachable\n');
  });

  void it('tears the network down after a job killed at its wall limit', async () => {
    const before = hostLinkIndexes();
    const r = await runJob(d, sh('ip -o link >&2; sleep 30', { network: true, warm: false, limits: { wallTimeMs: 1500 } }));
    assert.equal(r.status, 'wall_time_limit');
    const peer = Number(/eth0@if(\d+)/.exec(r.stderr)?.[1]);
    assert.ok(Number.isInteger(peer), r.stderr);
    assert.ok(!before.has(peer), 'the veth was made for this job');
    await eventually(() => !hostLinkIndexes().has(peer), `host veth ${peer} removed`);
    await eventually(() => leases().length === 0, `no address lease left: ${leases().join(' ')}`);
    await eventually(() => netnsFiles().length === 0, `no netns file left: ${netnsFiles().join(' ')}`);
  });

  void it('routes a networked job out through NAT: a server beyond the host sees the host side address', async () => {
    // "the outside": a namespace of the test's own, one veth away from the host; nothing routes it back to the bridge
    const ns = `pure-sbxit-${process.pid}`;
    const third = randomInt(0, 255);
    const [hostIp, farIp] = [`198.18.${third}.1`, `198.18.${third}.2`];
    const hostIf = `psx${process.pid % 100000}`;
    const ip = (...args: string[]): void => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
    };
    ip('netns', 'add', ns);
    const far = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', `require('http').createServer((q, r) => r.end(q.socket.remoteAddress + '\\n')).listen(8080, '${farIp}', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'far0', 'netns', ns);
      ip('addr', 'add', `${hostIp}/30`, 'dev', hostIf);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'addr', 'add', `${farIp}/30`, 'dev', 'far0');
      ip('-n', ns, 'link', 'set', 'far0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      await new Promise<void>((resolve) => far.stdout.once('data', () => resolve()));
      const r = await runJob(d, sh(`timeout 10 wget -q -O - http://${farIp}:8080/`, { network: true, warm: false }));
      assert.equal(r.status, 'ok', `${r.stdout} ${r.stderr}`);
      assert.equal(r.stdout.trim(), hostIp, 'masqueraded to the host side address');
    } finally {
      far.kill('SIGKILL');
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });

  void it("releases a networked job's netns and lease after a kill -9 of the daemon while it ran", async () => {
    const submitted = await api<JobRecord>(d, 'POST', '/v1/jobs', sh('sleep 30', { network: true, warm: false, limits: { wallTimeMs: 2000 } }));
    assert.equal(submitted.status, 202);
    await eventually(() => netnsFiles().length > 0 && leases().length > 0, 'the job is networked');
    await d.kill9();
    await d.restart();
    // the job runs again (once), to its wall limit, in a fresh netns
    const done = await api<JobRecord>(d, 'GET', `/v1/jobs/${submitted.body.id}?wait=60`);
    assert.equal(done.body.result?.status, 'wall_time_limit');
    await eventually(() => leases().length === 0, `no address lease left: ${leases().join(' ')}`);
    await eventually(() => netnsFiles().length === 0, `no netns file left: ${netnsFiles().join(' ')}`);
  });

  void it('keeps the warm pool of a networked profile on the bridge, each sandbox with its own address', async () => {
    const job = sh('ip -o -4 addr show eth0 | awk \'{print $4}\'', { network: true });
    const a = await runJob(d, job);
    assert.equal(a.status, 'ok', a.stderr);
    // the pool forms on the first job and refills once a job has its result: poll until a job finds it warm
    let b = await runJob(d, job);
    for (let i = 0; i < 50 && b.warm !== true; i++) {
      await new Promise((r) => setTimeout(r, 200));
      b = await runJob(d, job);
    }
    assert.equal(b.status, 'ok', b.stderr);
    assert.equal(b.warm, true, 'a later job took a warm sandbox');
    assert.match(b.stdout, /^10\.\d+\.\d+\.\d+\/\d+\n$/);
    assert.notEqual(a.stdout, b.stdout);
  });

  void it('runs a job taken from the warm pool at the normal priority (the pool creates its sandboxes at nice 10)', async () => {
    // field 19 of /proc/<pid>/stat is the nice value: of the job's shell, and of the launcher (pid 1)
    const job = sh("cut -d' ' -f19 /proc/self/stat; cut -d' ' -f19 /proc/1/stat", { limits: { pids: 33 } });
    let r = await runJob(d, job);
    for (let i = 0; i < 50 && r.warm !== true; i++) {
      await new Promise((res) => setTimeout(res, 200));
      r = await runJob(d, job);
    }
    assert.equal(r.warm, true);
    assert.equal(r.stdout, '0\n0\n');
  });

  void it('runs two jobs at once under different host uids: each file is owned by its own range', async () => {
    const boxes = join(d.root, 'sandbox', 'boxes');
    const script = 'echo x > /work/mark; cat /proc/self/uid_map; sleep 2';
    const submitted = await api<{ jobs: JobRecord[] }>(d, 'POST', '/v1/jobs', { jobs: [sh(script), sh(script)] });
    assert.equal(submitted.status, 202);
    const owners = new Map<string, number>();
    await eventually(() => {
      for (const id of readdirSync(boxes)) {
        const mark = join(boxes, id, 'rw', 'work', 'mark');
        try {
          owners.set(id, statSync(mark).uid);
        } catch {
          // not this box, or not yet
        }
      }
      return owners.size >= 2;
    }, 'both jobs wrote their mark');
    const uids = [...owners.values()];
    assert.equal(new Set(uids).size, uids.length, `host uids ${uids.join(' ')}`);
    for (const uid of uids) assert.equal((uid - 100_000 - 1000) % 65_536, 0, `uid ${uid} is job uid 1000 of a 65536-wide range`);
    const done = await Promise.all(submitted.body.jobs.map((j) => api<JobRecord>(d, 'GET', `/v1/jobs/${j.id}?wait=60`)));
    const maps = done.map((r) => r.body.result?.stdout.trim().split(/\s+/).join(' '));
    assert.equal(done[0]?.body.result?.status, 'ok');
    assert.notEqual(maps[0], maps[1], `uid_map ${maps.join(' | ')}`);
    for (const m of maps) assert.match(m ?? '', /^0 \d+ 65536$/);
  });

  void it('leaves no netns, lease or mount once the daemon stops (warm networked sandboxes included)', async () => {
    d.proc.kill('SIGTERM');
    await new Promise((r) => d.proc.once('exit', r));
    assert.deepEqual(d.leaks(), []);
    assert.deepEqual(leases(), []);
    assert.deepEqual(netnsFiles(), []);
  });
});
