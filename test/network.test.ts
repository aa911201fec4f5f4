/**
 * Networks through the real daemon, CLI, CNI plugins, netns and iptables. Traffic goes only to loopback and
 * to the containers' own addresses. Each test removes its networks; the last one kills the daemon with -9.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { get } from 'node:http';
import { join } from 'node:path';
import { startTestDaemon, importBusybox, type TestDaemon } from './harness.js';

let d: TestDaemon;

before(async () => {
  d = await startTestDaemon();
  await importBusybox(d);
});

after(async () => {
  if (d.proc.exitCode === null) {
    const ids = d.pure(['ps', '-aq']).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) d.pure(['rm', '-f', ...ids]);
    d.pure(['network', 'prune', '-f']);
  }
  await d.cleanup();
});

function ok(args: string[]): string {
  const r = d.pure(args);
  assert.equal(r.code, 0, `pure ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/**
 * What this daemon leaves in the kernel for `network`: veths on its bridge, netns files, iptables rules that
 * name the network or its bridge (portmap's comments carry the network's name), IPAM leases. Scoped to one
 * network because other daemons (other test files, other engineers) may be creating veths at the same time.
 */
function netState(network?: string): { veths: number; netns: number; rules: number; leases: string[] } {
  const nsDir = join(d.runRoot, 'netns');
  const netns = existsSync(nsDir) ? readdirSync(nsDir).length : 0;
  const ipam = join(d.root, 'networks', 'ipam');
  const leases = existsSync(ipam)
    ? readdirSync(ipam).flatMap((n) => readdirSync(join(ipam, n)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).map((f) => `${n}/${f}`))
    : [];
  if (network === undefined) return { veths: 0, netns, rules: 0, leases };
  const bridge = (JSON.parse(ok(['network', 'inspect', network])) as { bridge: string }[])[0]!.bridge;
  const veths = spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  const rules = spawnSync('iptables-save', [], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.startsWith('-A') && (l.includes(bridge) || l.includes(network))).length;
  return { veths, netns, rules, leases };
}

const HTTPD = ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'];

void test('two containers on a user network talk HTTP by name and alias; a published port answers on 127.0.0.1', async () => {
  ok(['network', 'create', 'ntest-app']);
  try {
    ok(['run', '-d', '--name', 'web', '--hostname', 'web-host', '--network', 'ntest-app', '--network-alias', 'www', '-p', '127.0.0.1::80', 'busybox', ...HTTPD]);
    const fetched = ok(['run', '--rm', '--network', 'ntest-app', 'busybox', 'sh', '-c', 'wget -qO- http://web/ && wget -qO- http://www/']);
    assert.equal(fetched, 'web-host\nweb-host\n');
    const port = ok(['port', 'web', '80/tcp']).trim();
    assert.match(port, /^127\.0\.0\.1:\d+$/);
    assert.equal(await httpGet(`http://${port}/`), 'web-host\n');
    const inspect = JSON.parse(ok(['inspect', 'web'])) as { networkSettings: { networks: Record<string, { ipAddress: string }> } }[];
    assert.match(inspect[0]!.networkSettings.networks['ntest-app']!.ipAddress, /^10\.9\d\.\d+\.\d+$/);
  } finally {
    d.pure(['rm', '-f', 'web']);
    d.pure(['network', 'rm', 'ntest-app']);
  }
});

void test('several containers with one alias all answer to it; other names go nowhere', () => {
  ok(['network', 'create', 'ntest-rr']);
  try {
    for (const n of ['rr1', 'rr2']) ok(['run', '-d', '--name', n, '--network', 'ntest-rr', '--network-alias', 'pool', 'busybox', 'sleep', '60']);
    const out = ok(['run', '--rm', '--network', 'ntest-rr', 'busybox', 'nslookup', 'pool']);
    const addrs = [...out.matchAll(/Address: (10\.\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    assert.equal(new Set(addrs).size, 2, `two addresses for the alias: ${out}`);
    const none = d.pure(['run', '--rm', '--network', 'ntest-rr', 'busybox', 'nslookup', 'nosuchcontainer']);
    assert.notEqual(none.code, 0);
  } finally {
    d.pure(['rm', '-f', 'rr1', 'rr2']);
    d.pure(['network', 'rm', 'ntest-rr']);
  }
});

void test('a published UDP port reaches the container from the host', async () => {
  // busybox has no UDP server: the host's socat listens inside the container's netns instead
  ok(['run', '-d', '--name', 'udp', '-p', '127.0.0.1::9000/udp', 'busybox', 'sleep', '60']);
  try {
    const [host, port] = ok(['port', 'udp', '9000/udp']).trim().split(':');
    const netns = (JSON.parse(ok(['inspect', 'udp'])) as { networkSettings: { sandboxKey: string } }[])[0]!.networkSettings.sandboxKey;
    assert.ok(netns.startsWith(d.runRoot), `the netns lives under the run root: ${netns}`);
    const listener = spawn('nsenter', [`--net=${netns}`, 'socat', '-u', 'UDP4-RECV:9000', 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    listener.stdout.on('data', (b: Buffer) => (got += b.toString()));
    const sock = createSocket('udp4');
    try {
      for (let i = 0; i < 40 && !got.includes('ping-udp'); i++) {
        await new Promise<void>((r) => sock.send('ping-udp\n', Number(port), host, () => r()));
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      sock.close();
      listener.kill();
    }
    assert.match(got, /ping-udp/);
  } finally {
    d.pure(['rm', '-f', 'udp']);
  }
});

void test('an internal network has no way out and two user networks cannot reach each other', () => {
  ok(['network', 'create', 'ntest-a']);
  ok(['network', 'create', 'ntest-b']);
  ok(['network', 'create', '--internal', 'ntest-int']);
  try {
    ok(['run', '-d', '--name', 'srv-b', '--network', 'ntest-b', 'busybox', ...HTTPD]);
    const ipB = (JSON.parse(ok(['inspect', 'srv-b'])) as { networkSettings: { networks: Record<string, { ipAddress: string }> } }[])[0]!
      .networkSettings.networks['ntest-b']!.ipAddress;
    // the same network reaches it, another network does not
    assert.match(ok(['run', '--rm', '--network', 'ntest-b', 'busybox', 'wget', '-qO-', `http://${ipB}/`]), /\w/);
    // (busybox wget -T crashes and `timeout` cannot stop a pid 1: ping bounds its own wait)
    assert.notEqual(d.pure(['run', '--rm', '--network', 'ntest-a', 'busybox', 'ping', '-c', '1', '-W', '2', ipB]).code, 0);
    assert.equal(d.pure(['run', '--rm', '--network', 'ntest-b', 'busybox', 'ping', '-c', '1', '-W', '2', ipB]).code, 0, 'ping works inside one network');
    // internal: no default route, and nothing outside its bridge answers
    const routes = ok(['run', '--rm', '--network', 'ntest-int', 'busybox', 'ip', 'route']);
    assert.doesNotMatch(routes, /default/);
    assert.notEqual(d.pure(['run', '--rm', '--network', 'ntest-int', 'busybox', 'ping', '-c', '1', '-W', '2', ipB]).code, 0);
  } finally {
    d.pure(['rm', '-f', 'srv-b']);
    d.pure(['network', 'rm', 'ntest-a', 'ntest-b', 'ntest-int']);
  }
});

void test('bad input gives one-line errors and leaves nothing behind', async () => {
  ok(['network', 'create', '--subnet', '10.90.200.0/24', 'ntest-bad']);
  const blocker: Server = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const busy = (blocker.address() as { port: number }).port;
  try {
    const nets = ok(['network', 'ls', '-q']);
    const before = netState('ntest-bad');
    const cases: [string[], RegExp][] = [
      [['network', 'create', '--subnet', '10.90.200.128/25', 'ntest-overlap'], /overlaps network "ntest-bad"/],
      [['network', 'create', '--subnet', '10.90.201.0/24', '--gateway', '10.1.1.1', 'ntest-gw'], /--gateway 10\.1\.1\.1/],
      [['run', '--rm', '--network', 'ntest-bad', '--ip', '10.90.9.9', 'busybox', 'true'], /--ip 10\.90\.9\.9: it is not inside the subnet 10\.90\.200\.0\/24/],
      [['run', '--rm', '-p', `127.0.0.1:${busy}:80`, 'busybox', 'true'], new RegExp(`127\\.0\\.0\\.1:${busy}/tcp.*in use`)],
      [['run', '--rm', '-p', '80:abc', 'busybox', 'true'], /invalid -p "80:abc"/],
      [['run', '--rm', '-p', '1.2.3:80:80', 'busybox', 'true'], /invalid -p "1\.2\.3:80:80"/],
      [['run', '--rm', '--network', 'nosuchnet', 'busybox', 'true'], /no such network: "nosuchnet"/],
    ];
    for (const [args, want] of cases) {
      const r = d.pure(args);
      assert.notEqual(r.code, 0, `pure ${args.join(' ')} should fail`);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, /^pure: /);
    }
    assert.equal(ok(['ps', '-aq']), '', 'no container left');
    assert.equal(ok(['network', 'ls', '-q']), nets, 'no network made');
    assert.deepEqual(netState('ntest-bad'), before, 'no veth, netns, rule or lease left');
  } finally {
    blocker.close();
    d.pure(['network', 'rm', 'ntest-bad']);
  }
});

void test('rm refuses a network in use; connect and disconnect a running container', () => {
  ok(['network', 'create', 'ntest-c1']);
  ok(['network', 'create', 'ntest-c2']);
  try {
    ok(['run', '-d', '--name', 'multi', '--network', 'ntest-c1', 'busybox', 'sleep', '60']);
    const r = d.pure(['network', 'rm', 'ntest-c1']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot remove network "ntest-c1": it is used by container "multi"/);
    ok(['network', 'connect', '--alias', 'other', 'ntest-c2', 'multi']);
    assert.match(ok(['exec', 'multi', 'ip', '-o', 'addr']), /eth1.*inet 10\./);
    ok(['run', '-d', '--name', 'peer', '--network', 'ntest-c2', 'busybox', 'sleep', '60']);
    assert.equal(ok(['exec', 'peer', 'ping', '-c', '1', '-W', '3', 'other']).includes('1 packets received'), true);
    ok(['network', 'disconnect', 'ntest-c2', 'multi']);
    assert.doesNotMatch(ok(['exec', 'multi', 'ip', '-o', 'addr']), /eth1/);
  } finally {
    d.pure(['rm', '-f', 'multi', 'peer']);
    d.pure(['network', 'rm', 'ntest-c1', 'ntest-c2']);
  }
});

void test('after rm, and after kill -9 and a restart, no veth, netns, rule or lease is left', async () => {
  ok(['network', 'create', 'ntest-crash']);
  try {
    const base = netState('ntest-crash');
    ok(['run', '-d', '--name', 'c1', '--network', 'ntest-crash', '-p', '127.0.0.1::80', 'busybox', 'sleep', '300']);
    ok(['run', '-d', '--name', 'c2', '--network', 'ntest-crash', '-p', '127.0.0.1::80', 'busybox', 'sleep', '300']);
    const during = netState('ntest-crash');
    assert.equal(during.veths, base.veths + 2);
    assert.equal(during.netns, base.netns + 2);
    assert.ok(during.rules > base.rules, 'portmap rules while running');
    ok(['rm', '-f', 'c2']);
    const afterRm = netState('ntest-crash');
    assert.equal(afterRm.veths, base.veths + 1);
    assert.equal(afterRm.netns, base.netns + 1);

    // kill -9 the daemon, let the container die while it is down, and leave an orphan netns behind
    await d.kill9();
    const id = spawnSync('runc', ['--root', join(d.runRoot, 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(id, 'the container outlived the daemon');
    spawnSync('runc', ['--root', join(d.runRoot, 'runc'), 'kill', id, 'KILL']);
    spawnSync('sh', ['-c', `touch ${join(d.runRoot, 'netns', 'orphan')} && unshare --net=${join(d.runRoot, 'netns', 'orphan')} true`]);
    for (let i = 0; i < 50 && spawnSync('runc', ['--root', join(d.runRoot, 'runc'), 'state', id], { encoding: 'utf8' }).stdout.includes('running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await d.restart();
    assert.match(ok(['ps', '-a', '--format', 'json']), /"state":"exited"/);
    assert.deepEqual(netState('ntest-crash'), base, 'recovery released everything of the dead container');
    ok(['rm', 'c1']);
    assert.deepEqual(netState('ntest-crash'), base);
  } finally {
    d.pure(['rm', '-f', 'c1', 'c2']);
    d.pure(['network', 'rm', 'ntest-crash']);
  }
});
