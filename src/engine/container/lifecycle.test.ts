import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAllowed, isActive, isAllowed } from './lifecycle.js';
import { parseRestartPolicy, restartDelayMs, shouldRestart } from './restart-policy.js';
import { matchesFilters, parseFilters } from './filters.js';
import { buildRecord, mergeEnv } from './config.js';
import { parseLogLine } from './logs.js';
import { validateName, newContainerId } from './names.js';
import type { ContainerRecord } from './record.js';

void test('the state machine allows what docker allows and refuses the rest by name', () => {
  assert.ok(isAllowed('start', 'created'));
  assert.ok(isAllowed('start', 'exited'));
  assert.ok(!isAllowed('start', 'running'));
  assert.ok(isAllowed('pause', 'running'));
  assert.ok(!isAllowed('pause', 'paused'));
  assert.ok(isAllowed('unpause', 'paused'));
  assert.ok(!isAllowed('remove', 'running'));
  assert.ok(!isAllowed('exec', 'exited'));
  assert.throws(() => assertAllowed('remove', 'web', 'running'), /cannot remove container "web": it is running \(stop it first or use -f\)/);
  assert.throws(() => assertAllowed('exec', 'web', 'paused'), /unpause it first/);
  assert.throws(() => assertAllowed('pause', 'web', 'paused'), /already paused/);
  assert.ok(isActive('restarting') && !isActive('exited'));
});

void test('restart policies follow docker: on-failure counts, manual stops win, always returns at daemon start', () => {
  const base = { exitCode: 1, restartCount: 0, manuallyStopped: false };
  assert.equal(shouldRestart(undefined, base), false);
  assert.equal(shouldRestart({ name: 'no' }, base), false);
  assert.equal(shouldRestart({ name: 'on-failure' }, { ...base, exitCode: 0 }), false);
  assert.equal(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, { ...base, restartCount: 1 }), true);
  assert.equal(shouldRestart({ name: 'on-failure', maximumRetryCount: 2 }, { ...base, restartCount: 2 }), false);
  assert.equal(shouldRestart({ name: 'always' }, { ...base, exitCode: 0 }), true);
  assert.equal(shouldRestart({ name: 'always' }, { ...base, manuallyStopped: true }), false);
  assert.equal(shouldRestart({ name: 'on-failure' }, { ...base, daemonStart: true }), false);
  assert.equal(shouldRestart({ name: 'unless-stopped' }, { ...base, daemonStart: true }), true);
  assert.equal(restartDelayMs(0, 0), 100);
  assert.equal(restartDelayMs(3, 0), 800);
  assert.equal(restartDelayMs(20, 0), 60_000);
  assert.equal(restartDelayMs(20, 11_000), 100, 'a long run resets the backoff');
  assert.deepEqual(parseRestartPolicy('on-failure:3'), { name: 'on-failure', maximumRetryCount: 3 });
  assert.deepEqual(parseRestartPolicy('unless-stopped'), { name: 'unless-stopped' });
  assert.throws(() => parseRestartPolicy('sometimes'), /invalid --restart "sometimes"/);
  assert.throws(() => parseRestartPolicy('on-failure:x'), /retry count/);
  assert.throws(() => parseRestartPolicy('always:3'), /invalid --restart/);
});

function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  const { record: r } = buildRecord({
    id: newContainerId(),
    name: 'web',
    req: { image: 'busybox', labels: { tier: 'front' } },
    image: { id: 'sha256:abcd', repoTags: ['busybox:latest'], config: { Cmd: ['sh'] } },
    created: '2026-01-01T00:00:00Z',
    snapshotter: 'overlay',
    runtime: 'runc',
  });
  return { ...r, ...over };
}

void test('ps filters: keys AND-ed, values OR-ed, bad filters refused', () => {
  const r = record({ status: 'exited', exitCode: 3 });
  assert.ok(matchesFilters(r, parseFilters(['status=exited', 'name=we'])));
  assert.ok(matchesFilters(r, parseFilters(['status=running', 'status=exited'])));
  assert.ok(!matchesFilters(r, parseFilters(['status=exited', 'name=db'])));
  assert.ok(matchesFilters(r, parseFilters(['exited=3', 'label=tier=front', 'label=tier', 'ancestor=busybox'])));
  assert.ok(!matchesFilters(r, parseFilters(['label=tier=back'])));
  assert.ok(matchesFilters(r, parseFilters([`id=${r.id.slice(0, 5)}`])));
  assert.throws(() => parseFilters(['colour=red']), /unknown key "colour"/);
  assert.throws(() => parseFilters(['status=sleeping']), /unknown status/);
  assert.throws(() => parseFilters(['nokey']), /use key=value/);
});

void test('the record merges the image config with docker precedence', () => {
  const image = { id: 'sha256:1', repoTags: [], config: { Entrypoint: ['/entry'], Cmd: ['default'], Env: ['A=1', 'PATH=/bin'], WorkingDir: '/srv', User: 'app', StopSignal: 'SIGINT' } };
  const mk = (req: object) => buildRecord({ id: 'x', name: 'n', req: { image: 'i', ...req }, image, created: '', snapshotter: 's', runtime: 'r' }).record.config;
  const c1 = mk({});
  assert.deepEqual([c1.entrypoint, c1.cmd], [['/entry'], ['default']]);
  assert.equal(c1.workingDir, '/srv');
  assert.equal(c1.user, 'app');
  assert.equal(c1.stopSignal, 'SIGINT');
  assert.deepEqual(c1.env, ['A=1', 'PATH=/bin']);
  const c2 = mk({ cmd: ['other'], env: ['A=2', 'B=3'], workingDir: '/tmp', user: '0' });
  assert.deepEqual(c2.cmd, ['other']);
  assert.deepEqual(c2.env, ['A=2', 'PATH=/bin', 'B=3']);
  assert.deepEqual([c2.workingDir, c2.user], ['/tmp', '0']);
  const c3 = mk({ entrypoint: ['/other'] });
  assert.deepEqual([c3.entrypoint, c3.cmd], [['/other'], []], 'a new entrypoint clears the image Cmd');
  assert.throws(() => mk({ entrypoint: [] }), /no command given/);
  assert.equal(c1.network, 'bridge', "docker's default network");
  assert.equal(mk({ network: 'mynet' }).network, 'mynet', 'a named network is checked by the network module');
  assert.throws(() => mk({ binds: [{ source: 'rel', destination: '/x', readOnly: false }] }), /must be absolute/);
  assert.throws(() => mk({ resources: { memory: 1024 } }), /minimum is 6MB/);
  assert.throws(() => mk({ resources: { memory: 64 << 20, memorySwap: 32 << 20 } }), /at least --memory/);
  assert.deepEqual(mergeEnv(['A=1', 'B'], ['A=2']), ['A=2', 'B']);
});

void test('k8s-file log lines parse into streams, partial lines keep no newline', () => {
  assert.deepEqual(parseLogLine('2024-05-01T10:00:00.123456789+00:00 stdout F hello world'), {
    stream: 'stdout', time: '2024-05-01T10:00:00.123456789+00:00', data: 'hello world\n',
  });
  assert.deepEqual(parseLogLine('2024-05-01T10:00:00Z stderr P part'), { stream: 'stderr', time: '2024-05-01T10:00:00Z', data: 'part' });
  assert.equal(parseLogLine('garbage'), null);
  assert.equal(parseLogLine('2024 stdin F x'), null);
});

void test('names follow docker rules and ids are 64 hex', () => {
  assert.equal(validateName('/web'), 'web');
  assert.throws(() => validateName('bad name'), /invalid container name "bad name"/);
  assert.throws(() => validateName('-x'), /invalid container name/);
  assert.match(newContainerId(), /^[0-9a-f]{64}$/);
});
