/**
 * The files docker writes for every container and bind-mounts over the image's: /etc/hostname, /etc/hosts,
 * /etc/resolv.conf. They live in the container's own directory, never in the image.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRecord } from './record.js';

export interface EtcFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

export async function writeEtcFiles(dir: string, rec: ContainerRecord, hostResolvConf: string): Promise<EtcFiles> {
  const hostname = rec.config.hostname ?? rec.id.slice(0, 12);
  const files = { hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname'), resolvConf: join(dir, 'resolv.conf') };
  await Promise.all([
    writeFile(files.hostname, `${hostname}\n`),
    writeFile(files.hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`),
    // a copy of the content, not of the file: docker's is 0644 whatever the host's mode
    readFile(hostResolvConf)
      .catch(() => '')
      .then((content) => writeFile(files.resolvConf, content, { mode: 0o644 })),
  ]);
  return files;
}
