/**
 * `--user` resolution with Docker's (libcontainer's GetExecUser) rules, reading the image's own /etc/passwd
 * and /etc/group through readFileInRoot:
 * - "" → root (uid 0, gid 0);
 * - a name must exist in passwd; a number need not (gid then defaults to 0);
 * - a passwd entry gives the primary gid; an explicit ":group" (name must exist, number need not) overrides it;
 * - supplementary gids come from /etc/group membership, only when no group was given explicitly.
 */
import { InvalidArgument } from '../../../errors/index.js';
import { readFileInRoot } from './rootfs-files.js';
import type { SpecUser } from './spec-options.js';

const MAX_ID = 2 ** 31 - 1;

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parseId(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n <= MAX_ID ? n : null;
}

function lines(buf: Buffer | null): string[][] {
  if (buf === null) return [];
  return buf
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(buf: Buffer | null): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(buf)) {
    const uid = parseId(f[2] ?? '');
    const gid = parseId(f[3] ?? '');
    if (f[0] && uid !== null && gid !== null) out.push({ name: f[0], uid, gid });
  }
  return out;
}

export function parseGroup(buf: Buffer | null): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(buf)) {
    const gid = parseId(f[2] ?? '');
    const members = (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '');
    if (f[0] && gid !== null) out.push({ name: f[0], gid, members });
  }
  return out;
}

/** Resolve docker's `-u name|uid[:group|gid]` against the rootfs at `rootfs`. */
export async function resolveUser(rootfs: string, user: string): Promise<Required<SpecUser>> {
  const colon = user.indexOf(':');
  const userArg = colon < 0 ? user : user.slice(0, colon);
  const groupArg = colon < 0 ? '' : user.slice(colon + 1);
  if (colon >= 0 && groupArg === '') throw new InvalidArgument(`invalid user "${user}": empty group`);
  const uidArg = parseId(userArg);
  const gidArg = parseId(groupArg);

  const passwd = parsePasswd(await readFileInRoot(rootfs, '/etc/passwd'));
  const result = { uid: 0, gid: 0, additionalGids: [] as number[] };
  const match = passwd.find((p) => (userArg === '' ? p.uid === 0 : uidArg !== null ? p.uid === uidArg : p.name === userArg));
  if (match) {
    result.uid = match.uid;
    result.gid = match.gid;
  } else if (userArg !== '') {
    if (uidArg === null) {
      if (/^\d+$/.test(userArg)) throw new InvalidArgument(`invalid user "${user}": uid ${userArg} is out of range`);
      throw new InvalidArgument(`unable to find user "${userArg}": no matching entries in passwd file`);
    }
    result.uid = uidArg;
  }

  if (groupArg === '' && !match) return result;
  const groups = parseGroup(await readFileInRoot(rootfs, '/etc/group'));
  if (groupArg !== '') {
    const g = groups.find((e) => (gidArg !== null ? e.gid === gidArg : e.name === groupArg));
    if (g) result.gid = g.gid;
    else if (gidArg !== null) result.gid = gidArg;
    else if (/^\d+$/.test(groupArg)) throw new InvalidArgument(`invalid user "${user}": gid ${groupArg} is out of range`);
    else throw new InvalidArgument(`unable to find group "${groupArg}": no matching entries in group file`);
  } else if (match) {
    result.additionalGids = groups.filter((e) => e.members.includes(match.name)).map((e) => e.gid);
  }
  return result;
}
