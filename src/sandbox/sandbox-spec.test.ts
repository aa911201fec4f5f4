import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, profileOf } from './limits.js';
import { hostJobUid, sandboxSpec, type SandboxSpecInput } from './sandbox-spec.js';

const input = (more: Partial<SandboxSpecInput> = {}): SandboxSpecInput => ({
  id: 'sbx-test',
  rootfs: '/r/rootfs',
  ctlDir: '/r/ctl',
  workDir: '/r/rw/work',
  tmpDir: '/r/rw/tmp',
  cgroupsPath: '/p/sbx-test',
  profile: profileOf('img', DEFAULT_LIMITS, false),
  ids: { hostBase: 100_000 + 3 * 65_536, size: 65_536 },
  ...more,
});

void describe('sandboxSpec', () => {
  void it('maps the user namespace onto the sandbox own host id range', () => {
    const s = sandboxSpec(input());
    assert.deepEqual(s.linux.uidMappings, [{ containerID: 0, hostID: 296_608, size: 65_536 }]);
    assert.deepEqual(s.linux.gidMappings, [{ containerID: 0, hostID: 296_608, size: 65_536 }]);
    assert.equal(hostJobUid({ hostBase: 296_608, size: 65_536 }), 297_608);
  });

  void it('gives a job without network a fresh empty netns, and one with network the port made netns, /sys empty and its /etc files', () => {
    const none = sandboxSpec(input());
    assert.deepEqual(none.linux.namespaces.find((n) => n.type === 'network'), { type: 'network' });
    assert.equal(none.mounts.find((m) => m.destination === '/sys')?.type, 'sysfs');
    assert.equal(none.mounts.some((m) => m.destination === '/etc/hosts'), false);
    const net = sandboxSpec(input({
      profile: profileOf('img', DEFAULT_LIMITS, true),
      netnsPath: '/run/pure/netns/sbx-test',
      etcFiles: { hosts: '/r/etc/hosts', resolvConf: '/r/etc/resolv.conf' },
    }));
    assert.deepEqual(net.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/pure/netns/sbx-test' });
    assert.equal(net.mounts.find((m) => m.destination === '/sys')?.type, 'tmpfs');
    for (const [dest, src] of [['/etc/hosts', '/r/etc/hosts'], ['/etc/resolv.conf', '/r/etc/resolv.conf']]) {
      const m = net.mounts.find((x) => x.destination === dest);
      assert.equal(m?.source, src);
      assert.ok(m?.options?.includes('ro'));
    }
  });

  void it('filters syscalls of the native ABI only', () => {
    const archs = sandboxSpec(input()).linux.seccomp?.architectures;
    assert.deepEqual(archs, [process.arch === 'arm64' ? 'SCMP_ARCH_AARCH64' : 'SCMP_ARCH_X86_64']);
  });
});
