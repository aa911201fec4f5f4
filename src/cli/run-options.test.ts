import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../errors/index.js';
import { parseRunOptions, parseRestart, parseSignal, type ClientEnvironment, type RunFlags } from './run-options.js';

const files: Record<string, string> = {
  '/tmp/app.env': '# a comment\n\nA=1\n  B=two words \nFROM_SHELL\nMISSING\nC=x=y\n',
};
const client: ClientEnvironment = {
  env: { FROM_SHELL: 'shell-value', HOME: '/root' },
  cwd: '/srv/project',
  readFile: (p) => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
    return text;
  },
};

function parse(flags: RunFlags, command: string[] = []) {
  return parseRunOptions({ image: 'busybox', command, flags }, client);
}

function rejects(flags: RunFlags, message: RegExp): void {
  assert.throws(() => parse(flags), (err: unknown) => {
    assert.ok(err instanceof InvalidArgument, `expected InvalidArgument, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

void test('no flags gives just the image, keeping the image defaults', () => {
  assert.deepEqual(parse({}), { image: 'busybox' });
});

void test('words after the image become cmd, flags among them included', () => {
  assert.deepEqual(parse({}, ['ls', '-l', '/']).cmd, ['ls', '-l', '/']);
});

void test('booleans map to tty, openStdin, init, readOnly, autoRemove', () => {
  const req = parse({ tty: true, interactive: true, init: true, readOnly: true, rm: true });
  assert.equal(req.tty, true);
  assert.equal(req.openStdin, true);
  assert.equal(req.init, true);
  assert.equal(req.readOnly, true);
  assert.equal(req.autoRemove, true);
});

void test('-e K=V is kept, -e K copies from the client env, and an unset K is dropped', () => {
  assert.deepEqual(parse({ env: ['A=1', 'FROM_SHELL', 'NOPE', 'E='] }).env, ['A=1', 'FROM_SHELL=shell-value', 'E=']);
});

void test('-e without a name is rejected', () => {
  rejects({ env: ['=x'] }, /^invalid -e "=x"/);
});

void test('--env-file skips comments and blanks, keeps values verbatim, and comes before -e', () => {
  const req = parse({ envFile: ['/tmp/app.env'], env: ['Z=last'] });
  assert.deepEqual(req.env, ['A=1', 'B=two words ', 'FROM_SHELL=shell-value', 'C=x=y', 'Z=last']);
});

void test('an unreadable --env-file names the file', () => {
  rejects({ envFile: ['/nope.env'] }, /^invalid --env-file "\/nope.env": cannot read it/);
});

void test('--memory takes docker sizes and rejects unknown units', () => {
  assert.equal(parse({ memory: '64m' }).resources?.memory, 64 * 1024 * 1024);
  assert.equal(parse({ memory: '1.5g' }).resources?.memory, 1.5 * 1024 ** 3);
  rejects({ memory: '12q' }, /^invalid --memory "12q": unknown unit "q"$/);
});

void test('--memory-swap accepts -1, needs --memory and must be at least it', () => {
  assert.equal(parse({ memory: '64m', memorySwap: '-1' }).resources?.memorySwap, -1);
  assert.equal(parse({ memory: '64m', memorySwap: '128m' }).resources?.memorySwap, 128 * 1024 * 1024);
  rejects({ memorySwap: '128m' }, /needs --memory/);
  rejects({ memory: '128m', memorySwap: '64m' }, /at least --memory/);
});

void test('--cpus becomes nanoCpus and rejects non-numbers and zero', () => {
  assert.equal(parse({ cpus: '1.5' }).resources?.nanoCpus, 1_500_000_000);
  assert.equal(parse({ cpus: '.25' }).resources?.nanoCpus, 250_000_000);
  rejects({ cpus: 'x' }, /^invalid --cpus "x"/);
  rejects({ cpus: '0' }, /^invalid --cpus "0"/);
  rejects({ cpus: '-1' }, /^invalid --cpus "-1"/);
});

void test('--pids-limit: positive sets it, 0 and -1 mean unlimited, below -1 is rejected', () => {
  assert.equal(parse({ pidsLimit: '64' }).resources?.pidsLimit, 64);
  assert.equal(parse({ pidsLimit: '0' }).resources, undefined);
  assert.equal(parse({ pidsLimit: '-1' }).resources, undefined);
  rejects({ pidsLimit: '-5' }, /^invalid --pids-limit "-5"/);
  rejects({ pidsLimit: 'lots' }, /^invalid --pids-limit "lots": not an integer/);
});

void test('--cpu-shares must be a non-negative integer', () => {
  assert.equal(parse({ cpuShares: '512' }).resources?.cpuShares, 512);
  rejects({ cpuShares: '1.5' }, /^invalid --cpu-shares "1.5"/);
});

void test('--restart parses every docker policy', () => {
  assert.deepEqual(parseRestart('no'), { name: 'no' });
  assert.deepEqual(parseRestart('always'), { name: 'always' });
  assert.deepEqual(parseRestart('unless-stopped'), { name: 'unless-stopped' });
  assert.deepEqual(parseRestart('on-failure'), { name: 'on-failure' });
  assert.deepEqual(parseRestart('on-failure:3'), { name: 'on-failure', maximumRetryCount: 3 });
});

void test('--restart rejects unknown policies and misplaced counts', () => {
  rejects({ restart: 'sometimes' }, /^invalid --restart "sometimes"/);
  rejects({ restart: 'always:3' }, /^invalid --restart "always:3": a retry count only goes with on-failure/);
  rejects({ restart: 'on-failure:x' }, /^invalid --restart "on-failure:x"/);
  rejects({ restart: 'on-failure:' }, /^invalid --restart "on-failure:"/);
});

void test('--restart other than no conflicts with --rm', () => {
  rejects({ restart: 'always', rm: true }, /conflicting options/);
  assert.equal(parse({ restart: 'no', rm: true }).restartPolicy?.name, 'no');
});

void test('-v binds absolute host paths with ro/rw modes', () => {
  assert.deepEqual(parse({ volume: ['/data:/data', '/etc/hosts:/h:ro', '/x:/y:rw'] }).binds, [
    { source: '/data', destination: '/data', readOnly: false },
    { source: '/etc/hosts', destination: '/h', readOnly: true },
    { source: '/x', destination: '/y', readOnly: false },
  ]);
});

void test('-v resolves a relative host path against the client cwd', () => {
  assert.deepEqual(parse({ volume: ['./site:/var/www'] }).binds, [{ source: '/srv/project/site', destination: '/var/www', readOnly: false }]);
  assert.equal(parse({ volume: ['../up/./x:/x'] }).binds?.[0]?.source, '/srv/up/x');
});

void test('-v names volumes (NAME:/path) and anonymous ones (/path); rejects relative container paths, bad modes', () => {
  assert.deepEqual(parse({ volume: ['data:/data:ro', '/cache'] }).volumes, [
    { source: 'data', destination: '/data', readOnly: true },
    { destination: '/cache', readOnly: false },
  ]);
  rejects({ volume: ['a:b'] }, /^invalid -v "a:b": the container path "b" must be absolute$/);
  rejects({ volume: ['/a:b'] }, /^invalid -v "\/a:b": the container path "b" must be absolute$/);
  rejects({ volume: ['/a:/b:rx'] }, /unknown mode "rx"/);
  rejects({ volume: ['/a:/b:ro:z'] }, /too many ":"/);
});

void test('--tmpfs maps paths to their options', () => {
  assert.deepEqual(parse({ tmpfs: ['/run', '/tmp:size=64m,mode=1777'] }).tmpfs, { '/run': '', '/tmp': 'size=64m,mode=1777' });
  rejects({ tmpfs: ['tmp'] }, /^invalid --tmpfs "tmp": the path must be absolute$/);
});

void test('--label keeps k=v and a bare key as an empty value', () => {
  assert.deepEqual(parse({ label: ['a=1', 'b', 'c=x=y'] }).labels, { a: '1', b: '', c: 'x=y' });
  rejects({ label: ['=v'] }, /^invalid --label "=v"/);
});

void test('--entrypoint is one program; "" clears the image entrypoint', () => {
  assert.deepEqual(parse({ entrypoint: '/bin/sh' }).entrypoint, ['/bin/sh']);
  assert.deepEqual(parse({ entrypoint: '' }).entrypoint, []);
});

void test('--name follows docker rules and drops a leading slash', () => {
  assert.equal(parse({ name: 'web-1.a_b' }).name, 'web-1.a_b');
  assert.equal(parse({ name: '/web' }).name, 'web');
  rejects({ name: 'no spaces' }, /^invalid --name "no spaces"/);
  rejects({ name: '-x' }, /^invalid --name "-x"/);
});

void test('-w must be absolute; -u and --hostname are passed through when valid', () => {
  const req = parse({ workdir: '/app', user: '1000:1000', hostname: 'box' });
  assert.equal(req.workingDir, '/app');
  assert.equal(req.user, '1000:1000');
  assert.equal(req.hostname, 'box');
  rejects({ workdir: 'app' }, /^invalid -w "app"/);
  rejects({ hostname: 'bad_host!' }, /^invalid --hostname/);
});

void test('--network passes a mode through and rejects junk', () => {
  assert.equal(parse({ network: 'host' }).network, 'host');
  assert.equal(parse({ network: 'none' }).network, 'none');
  rejects({ network: 'a b' }, /^invalid --network "a b"/);
});

void test('--stop-signal normalises names and checks numbers; --stop-timeout is whole seconds', () => {
  assert.equal(parse({ stopSignal: 'term' }).stopSignal, 'SIGTERM');
  assert.equal(parse({ stopSignal: 'SIGUSR1' }).stopSignal, 'SIGUSR1');
  assert.equal(parseSignal('9', '-s'), '9');
  assert.throws(() => parseSignal('99', '-s'), /from 1 to 64/);
  assert.throws(() => parseSignal('SIG-X', '-s'), /not a signal name/);
  assert.equal(parse({ stopTimeout: '30' }).stopTimeout, 30);
  rejects({ stopTimeout: '-3' }, /^invalid --stop-timeout "-3"/);
});
