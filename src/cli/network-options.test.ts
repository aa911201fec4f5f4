import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePublish, applyNetworkFlags } from './network-options.js';
import type { ContainerCreateRequest } from '../api/types.js';

void test('-p takes docker forms and names the bad part', () => {
  assert.deepEqual(parsePublish('80'), { containerPort: 80, protocol: 'tcp' });
  assert.deepEqual(parsePublish('8080:80/udp'), { containerPort: 80, protocol: 'udp', hostPort: 8080 });
  assert.deepEqual(parsePublish('127.0.0.1::80'), { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1' });
  assert.deepEqual(parsePublish('127.0.0.1:8080:80'), { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 });
  assert.throws(() => parsePublish('80/sctp'), /invalid -p "80\/sctp": unknown protocol "sctp"/);
  assert.throws(() => parsePublish('70000:80'), /host port "70000"/);
  assert.throws(() => parsePublish('a:b:c:d'), /expected \[ip:\]/);
  assert.throws(() => parsePublish('8000-8001:80'), /ranges/);
});

void test('networking flags land in the request; bad --ip, --dns, --add-host are refused', () => {
  const req: ContainerCreateRequest = { image: 'i' };
  applyNetworkFlags(req, { publish: ['80'], publishAll: true, ip: '10.90.0.9', networkAlias: ['a'], dns: ['1.1.1.1'], addHost: ['h:host-gateway'] });
  assert.deepEqual(req, { image: 'i', portBindings: [{ containerPort: 80, protocol: 'tcp' }], publishAll: true, ipAddress: '10.90.0.9', networkAliases: ['a'], dns: ['1.1.1.1'], extraHosts: ['h:host-gateway'] });
  assert.throws(() => applyNetworkFlags({ image: 'i' }, { ip: '10.1' }), /invalid --ip "10\.1"/);
  assert.throws(() => applyNetworkFlags({ image: 'i' }, { dns: ['x'] }), /invalid --dns "x"/);
  assert.throws(() => applyNetworkFlags({ image: 'i' }, { addHost: ['h'] }), /invalid --add-host "h"/);
});
