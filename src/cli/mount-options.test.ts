import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMountFlags, parseMountFlag, parseVolumeFlag } from './mount-options.js';
import type { ContainerCreateRequest } from '../api/types.js';

const apply = (flags: { volume?: string[]; mount?: string[] }): Partial<ContainerCreateRequest> => {
  const req: Partial<ContainerCreateRequest> = {};
  applyMountFlags(req, flags, '/srv/project');
  return req;
};

void test('-v sorts host paths into binds and names or bare paths into volumes', () => {
  const req = apply({ volume: ['/host:/a', './rel:/b:ro', 'db-data:/c', '/anon', 'v1:/d:ro,nocopy'] });
  assert.deepEqual(req.binds, [
    { source: '/host', destination: '/a', readOnly: false },
    { source: '/srv/project/rel', destination: '/b', readOnly: true },
  ]);
  assert.deepEqual(req.volumes, [
    { source: 'db-data', destination: '/c', readOnly: false },
    { destination: '/anon', readOnly: false },
    { source: 'v1', destination: '/d', readOnly: true, noCopy: true },
  ]);
});

void test('-v rejects a bad volume name, a relative anonymous path, "/" and nocopy on a bind', () => {
  assert.throws(() => parseVolumeFlag('-bad:/x', '/'), (e: Error) => /^invalid -v "-bad:\/x": "-bad" is neither an absolute host path nor a volume name/.test(e.message));
  assert.throws(() => parseVolumeFlag('a:/x', '/'), (e: Error) => /neither an absolute host path nor a volume name/.test(e.message));
  assert.throws(() => parseVolumeFlag('rel', '/'), (e: Error) => /anonymous volume needs an absolute container path/.test(e.message));
  assert.throws(() => parseVolumeFlag('/', '/'), (e: Error) => /cannot be "\/"/.test(e.message));
  assert.throws(() => parseVolumeFlag('/h:/x:nocopy', '/'), (e: Error) => /unknown mode "nocopy" \(use ro or rw\)/.test(e.message));
});

void test('--mount takes docker\'s keys and aliases for bind, volume and tmpfs', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/h,dst=/c,readonly'), { type: 'bind', mount: { source: '/h', destination: '/c', readOnly: true } });
  assert.deepEqual(parseMountFlag('type=volume,source=vol1,target=/data,ro=false,volume-nocopy'), {
    type: 'volume',
    mount: { source: 'vol1', destination: '/data', readOnly: false, mustExist: true, noCopy: true },
  });
  assert.deepEqual(parseMountFlag('target=/anon'), { type: 'volume', mount: { destination: '/anon', readOnly: false } });
  assert.deepEqual(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1777'), {
    type: 'tmpfs',
    target: '/t',
    options: 'size=67108864,mode=1777',
  });
  const req = apply({ mount: ['type=tmpfs,target=/run', 'type=bind,source=/h,target=/x'] });
  assert.deepEqual(req.tmpfs, { '/run': '' });
  assert.deepEqual(req.binds, [{ source: '/h', destination: '/x', readOnly: false }]);
});

void test('--mount rejects malformed specs with one line naming the value', () => {
  const cases: [string, RegExp][] = [
    ['type=nfs,target=/x', /^invalid --mount "type=nfs,target=\/x": unknown type "nfs"/],
    ['type=volume', /target is required/],
    ['type=volume,target=rel', /must be an absolute container path/],
    ['type=bind,target=/x', /source is required for a bind mount/],
    ['type=bind,source=rel,target=/x', /must be an absolute host path/],
    ['type=volume,source=-x,target=/x', /invalid volume name "-x"/],
    ['type=tmpfs,source=a,target=/x', /unknown or misplaced field "source" for type=tmpfs/],
    ['type=volume,target=/x,readonly=maybe', /readonly takes true or false/],
    ['type=volume,target=/x,,', /an empty field/],
    ['type=volume,target=/x,target=/y', /"target" is given twice/],
    ['type=tmpfs,target=/x,tmpfs-mode=999', /not an octal file mode/],
    ['type=tmpfs,target=/x,tmpfs-size=12q', /invalid --mount tmpfs-size "12q"/],
  ];
  for (const [spec, re] of cases) assert.throws(() => parseMountFlag(spec), (e: Error) => re.test(e.message), spec);
});
