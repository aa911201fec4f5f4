import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseCpus, parseDurationMs, parsePortSpec, parseSize, parseVolumeSpec, splitCommand } from './syntax.js';

void test('commands split like a shell, without running one', () => {
  assert.deepEqual(splitCommand('echo  "a b"  c\\ d \'$HOME x\' "q\\"q"'), ['echo', 'a b', 'c d', '$HOME x', 'q"q']);
  assert.deepEqual(splitCommand('sh -c "exit 3"'), ['sh', '-c', 'exit 3']);
  assert.deepEqual(splitCommand('a "" b'), ['a', '', 'b']);
  assert.deepEqual(splitCommand('   '), []);
  assert.throws(() => splitCommand('echo "open'), { message: 'unterminated double quote in "echo \\"open"' });
});

void test('durations: Go notation, bare numbers are seconds', () => {
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('10s'), 10_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('15'), 15_000);
  assert.throws(() => parseDurationMs('10 parsecs'), { message: 'invalid duration "10 parsecs" (examples: 10s, 500ms, 1m30s)' });
  assert.throws(() => parseDurationMs(''), /invalid duration ""/);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(3_601_500), '1h1s500ms');
});

void test('sizes: bytes and binary units; -1 only where unlimited is allowed', () => {
  assert.equal(parseSize('512m'), 512 * 1024 ** 2);
  assert.equal(parseSize('1g'), 1024 ** 3);
  assert.equal(parseSize('1GB'), 1024 ** 3);
  assert.equal(parseSize('1048576'), 1048576);
  assert.equal(parseSize('-1', true), -1);
  assert.throws(() => parseSize('-1'), { message: 'invalid size "-1" (examples: 512m, 1g, 1073741824)' });
  assert.throws(() => parseSize('12q'), { message: 'invalid size "12q" (examples: 512m, 1g, 1073741824)' });
  assert.equal(parseCpus('0.5'), 500_000_000);
  assert.throws(() => parseCpus('0'), { message: 'invalid cpus "0" (a positive number such as 0.5 or 2)' });
});

void test('short port specs: container only, host:container, address, protocol, ranges, IPv6', () => {
  assert.deepEqual(parsePortSpec('80'), [{ containerPort: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePortSpec('8080:80'), [{ containerPort: 80, protocol: 'tcp', hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1:8080:80/udp'), [{ containerPort: 80, protocol: 'udp', hostIp: '127.0.0.1', hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('127.0.0.1::80'), [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' }]);
  assert.deepEqual(parsePortSpec('[::1]:8080:80'), [{ containerPort: 80, protocol: 'tcp', hostIp: '::1', hostPort: 8080 }]);
  assert.deepEqual(parsePortSpec('8000-8001:80-81'), [
    { containerPort: 80, protocol: 'tcp', hostPort: 8000 },
    { containerPort: 81, protocol: 'tcp', hostPort: 8001 },
  ]);
  assert.deepEqual(parsePortSpec('3000-3001'), [
    { containerPort: 3000, protocol: 'tcp' },
    { containerPort: 3001, protocol: 'tcp' },
  ]);
});

void test('malformed port specs name the value and the reason', () => {
  assert.throws(() => parsePortSpec('8080:http'), { message: 'invalid container port "http" in "8080:http" (1-65535, or a range such as 8000-8010)' });
  assert.throws(() => parsePortSpec('70000:80'), { message: 'invalid host port "70000" in "70000:80" (1-65535, or a range such as 8000-8010)' });
  assert.throws(() => parsePortSpec('80/sctp'), { message: 'unsupported protocol "sctp" in "80/sctp" (tcp or udp)' });
  assert.throws(() => parsePortSpec('8000-8002:80-81'), { message: 'port ranges of different lengths in "8000-8002:80-81"' });
  assert.throws(() => parsePortSpec('8000-8010:80'), /host port range "8000-8010" for one container port is not supported/);
  assert.throws(() => parsePortSpec('1:2:3:4'), /invalid port "1:2:3:4"/);
});

void test('short volume specs: anonymous, named, relative and absolute binds, home, modes', () => {
  assert.deepEqual(parseVolumeSpec('/data'), { kind: 'volume', target: '/data', readOnly: false, noCopy: false, ignoredModes: [] });
  assert.deepEqual(parseVolumeSpec('db:/var/lib/db:ro'), { kind: 'volume', source: 'db', target: '/var/lib/db', readOnly: true, noCopy: false, ignoredModes: [] });
  assert.deepEqual(parseVolumeSpec('db:/x:nocopy'), { kind: 'volume', source: 'db', target: '/x', readOnly: false, noCopy: true, ignoredModes: [] });
  assert.deepEqual(parseVolumeSpec('./dir:/app'), { kind: 'bind', source: './dir', target: '/app', readOnly: false, noCopy: false, ignoredModes: [] });
  assert.deepEqual(parseVolumeSpec('/abs:/app:rw,z'), { kind: 'bind', source: '/abs', target: '/app', readOnly: false, noCopy: false, ignoredModes: ['z'] });
  assert.equal(parseVolumeSpec('~/x:/y').kind, 'bind');
  assert.throws(() => parseVolumeSpec('db:relative'), { message: 'invalid volume "db:relative": the container path "relative" is not absolute' });
  assert.throws(() => parseVolumeSpec('/a:/b:rx'), { message: 'invalid volume "/a:/b:rx": unknown mode "rx" (ro, rw)' });
});
