import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCidr, overlaps, parseCidr, pickFree, parseRouteDst } from './ipv4.js';
import { buildAnswer, parseQuery } from './dns-server.js';
import { networkRules } from './host-rules.js';
import { renderHosts, renderResolvConf, checkExtraHost } from './etc-files.js';
import { buildConfList } from './conflist.js';

void test('subnets: host bits and tiny subnets are refused, overlaps are found, a free /24 skips taken ones', () => {
  assert.throws(() => parseCidr('10.90.0.1/24'), /host bits are set \(did you mean 10\.90\.0\.0\/24\?\)/);
  assert.throws(() => parseCidr('10.90.0.0/31'), /a \/30 or larger/);
  assert.throws(() => parseCidr('10.300.0.0/16'), /not an IPv4 address/);
  assert.equal(overlaps(parseCidr('10.90.0.0/16'), parseCidr('10.90.5.0/24')), true);
  assert.equal(overlaps(parseCidr('10.90.0.0/24'), parseCidr('10.90.1.0/24')), false);
  const free = pickFree(parseCidr('10.90.0.0/15'), 24, [parseCidr('10.90.0.0/24'), parseRouteDst('10.90.1.7')]);
  assert.equal(free && formatCidr(free), '10.90.2.0/24');
});

void test('dns: a query parses and an answer carries the asked id, the question and every address', () => {
  const q = Buffer.from('12340100000100000000000003776562000001' + '0001', 'hex');
  const parsed = parseQuery(q);
  assert.equal(parsed?.name, 'web');
  const a = buildAnswer(parsed, 0, ['10.90.0.2', '10.90.0.3']);
  assert.equal(a.readUInt16BE(0), 0x1234);
  assert.equal(a.readUInt16BE(6), 2, 'two answers');
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 90, 0, 3]);
  assert.equal(a.readUInt16BE(2) & 0x000f, 0, 'NOERROR');
});

void test('rules: a normal network masquerades and isolates; an internal one drops everything leaving its bridge', () => {
  const normal = networkRules({ bridge: 'b1', subnet: '10.90.0.0/24', internal: false });
  assert.ok(normal.some((r) => r.table === 'nat' && r.args.includes('MASQUERADE')));
  const internal = networkRules({ bridge: 'b2', subnet: '10.90.1.0/24', internal: true });
  assert.ok(!internal.some((r) => r.args.includes('MASQUERADE')));
  assert.ok(internal.every((r) => r.args.includes('b2')));
  const list = buildConfList({ id: 'x', name: 'n', bridge: 'b2', subnet: '10.90.1.0/24', gateway: '10.90.1.1', internal: true, isDefault: false, labels: {}, created: '' }, '/ipam');
  assert.deepEqual((list.plugins[0]!.ipam as { routes: unknown[] }).routes, [], 'no default route on an internal network');
});

void test('etc files: own address under the hostname, extra hosts, nameservers replaced but search kept', () => {
  assert.equal(renderHosts({ hostname: 'h', ip: '10.90.0.2', extraHosts: ['db:1.2.3.4'] }).split('\n').slice(2).join('|'), '10.90.0.2\th|1.2.3.4\tdb|');
  assert.equal(renderResolvConf('nameserver 8.8.8.8\nsearch lan\n', ['10.90.0.1']), 'nameserver 10.90.0.1\nsearch lan\n');
  assert.throws(() => checkExtraHost('nohost'), /invalid --add-host "nohost"/);
  assert.doesNotThrow(() => checkExtraHost('gw:host-gateway'));
});
