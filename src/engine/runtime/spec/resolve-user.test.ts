/** resolveUser and the rootfs readers, against real files in a temp rootfs, hostile symlinks included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileInRoot, resolveInRoot, resolveUser } from './index.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nweb:x:33:33::/var/www:/bin/false\n';
const GROUP = 'root:x:0:\napp:x:1000:\nwww:x:33:\naudio:x:29:app,web\nvideo:x:44:app\n';

async function rootfs(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pure-rootfs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'etc'));
  return dir;
}

void test('resolveUser follows Docker’s user[:group] rules against the image’s passwd and group', async (t) => {
  const r = await rootfs(t);
  await writeFile(join(r, 'etc/passwd'), PASSWD);
  await writeFile(join(r, 'etc/group'), GROUP);
  assert.deepEqual(await resolveUser(r, ''), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(await resolveUser(r, 'root'), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(await resolveUser(r, 'app'), { uid: 1000, gid: 1000, additionalGids: [29, 44] });
  assert.deepEqual(await resolveUser(r, '1000'), { uid: 1000, gid: 1000, additionalGids: [29, 44] });
  assert.deepEqual(await resolveUser(r, 'web:app'), { uid: 33, gid: 1000, additionalGids: [] }, 'explicit group: no supplementary');
  assert.deepEqual(await resolveUser(r, 'app:29'), { uid: 1000, gid: 29, additionalGids: [] });
  assert.deepEqual(await resolveUser(r, '4242'), { uid: 4242, gid: 0, additionalGids: [] }, 'unknown uid: gid 0');
  assert.deepEqual(await resolveUser(r, '4242:4343'), { uid: 4242, gid: 4343, additionalGids: [] });
  await assert.rejects(resolveUser(r, 'ghost'), {
    code: 'invalid_argument',
    message: 'unable to find user "ghost": no matching entries in passwd file',
  });
  await assert.rejects(resolveUser(r, 'app:ghosts'), {
    code: 'invalid_argument',
    message: 'unable to find group "ghosts": no matching entries in group file',
  });
});

void test('resolveUser without /etc/passwd accepts only numeric users', async (t) => {
  const r = await rootfs(t);
  assert.deepEqual(await resolveUser(r, ''), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(await resolveUser(r, '1000:1000'), { uid: 1000, gid: 1000, additionalGids: [] });
  await assert.rejects(resolveUser(r, 'app'), { code: 'invalid_argument' });
});

void test('an absolute symlink to /etc/passwd resolves inside the rootfs, never to the host’s', async (t) => {
  const r = await rootfs(t);
  // The host's /etc/passwd has root; the rootfs copy under another name has only "app".
  await mkdir(join(r, 'data'));
  await writeFile(join(r, 'data/passwd'), 'app:x:1000:1000::/:/bin/sh\n');
  await symlink('/data/passwd', join(r, 'etc/passwd'));
  assert.deepEqual(await resolveUser(r, 'app'), { uid: 1000, gid: 1000, additionalGids: [] });
  assert.equal(await resolveInRoot(r, '/etc/passwd'), join(r, 'data/passwd'));
});

void test('symlinks pointing out of the rootfs with .. or / stay inside it', async (t) => {
  const r = await rootfs(t);
  await symlink('../../../../../../etc/passwd', join(r, 'etc/passwd'));
  await symlink('/etc/shadow', join(r, 'etc/group'));
  await symlink('../../../../../../', join(r, 'up'));
  // The host's /etc/passwd has "root"; inside the rootfs nothing exists, so "root" must not resolve by name.
  assert.equal(await readFileInRoot(r, '/etc/passwd'), null);
  assert.equal(await readFileInRoot(r, '/etc/group'), null);
  assert.equal(await readFileInRoot(r, '/up/etc/hostname'), null);
  assert.equal(await resolveInRoot(r, '/up'), r);
  await assert.rejects(resolveUser(r, 'root'), { code: 'invalid_argument' });
});

void test('a FIFO, a directory or a symlink loop in place of a file reads as absent', async (t) => {
  const r = await rootfs(t);
  execFileSync('mkfifo', [join(r, 'etc/passwd')]);
  await mkdir(join(r, 'etc/group'));
  await symlink('loop2', join(r, 'etc/loop1'));
  await symlink('loop1', join(r, 'etc/loop2'));
  assert.equal(await readFileInRoot(r, '/etc/passwd'), null, 'a FIFO must not block or be read');
  assert.equal(await readFileInRoot(r, '/etc/group'), null);
  assert.equal(await readFileInRoot(r, '/etc/loop1'), null);
  assert.equal(await readFileInRoot(r, '/etc/missing/x'), null);
  assert.deepEqual(await resolveUser(r, '7'), { uid: 7, gid: 0, additionalGids: [] });
});

void test('readFileInRoot reads regular files through relative symlinks', async (t) => {
  const r = await rootfs(t);
  await writeFile(join(r, 'etc/real'), 'content');
  await symlink('real', join(r, 'etc/link'));
  await symlink('etc', join(r, 'etc2'));
  assert.equal((await readFileInRoot(r, '/etc2/link'))?.toString(), 'content');
  assert.equal((await readFileInRoot(r, 'etc/./../etc/real'))?.toString(), 'content');
});
