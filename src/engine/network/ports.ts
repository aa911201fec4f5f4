/**
 * Host ports for published container ports. portmap only writes DNAT rules, it holds no socket, so the host
 * port is "taken" when another Pure container publishes it or when any program on the host listens on it:
 * both are checked before the CNI ADD. A port left open for Pure to choose (`-p 80`, `-P`) is one the kernel
 * hands out as free right now (bind to port 0).
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { Conflict, InvalidArgument } from '../../errors/index.js';
import type { PortBinding } from '../../api/types.js';

/** Docker's `ExposedPorts` keys: "80/tcp", "53/udp", "8080". */
export function exposedToBindings(exposed: readonly string[]): PortBinding[] {
  const out: PortBinding[] = [];
  for (const key of exposed) {
    const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(key);
    if (!m) continue; // sctp and ranges: not published
    out.push({ containerPort: Number(m[1]), protocol: (m[2] ?? 'tcp') as 'tcp' | 'udp' });
  }
  return out;
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  const wild = (x: string | undefined) => x === undefined || x === '' || x === '0.0.0.0';
  return wild(a) || wild(b) || a === b;
}

export function describe(b: PortBinding): string {
  return `${b.hostIp || '0.0.0.0'}:${b.hostPort ?? ''}/${b.protocol}`;
}

function tryBind(b: PortBinding, port: number): Promise<number> {
  const host = b.hostIp || '0.0.0.0';
  return new Promise((resolve, reject) => {
    if (b.protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind({ address: host, port, exclusive: true }, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      srv.close(() => resolve(p));
    });
  });
}

/**
 * Resolve every binding to a concrete host port, refusing one that is taken. `taken` are the bindings of
 * other Pure containers that are attached now.
 */
export async function resolveHostPorts(bindings: readonly PortBinding[], taken: readonly PortBinding[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  const clash = (b: PortBinding, port: number) =>
    [...taken, ...out].some((t) => t.protocol === b.protocol && t.hostPort === port && sameAddress(t.hostIp, b.hostIp));
  for (const b of bindings) {
    if (b.hostPort !== undefined) {
      if (clash(b, b.hostPort)) throw new Conflict(`cannot publish ${describe(b)}: the port is already allocated to another container`);
      try {
        await tryBind(b, b.hostPort);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRNOTAVAIL') throw new InvalidArgument(`cannot publish ${describe(b)}: ${b.hostIp} is not an address of this host`);
        throw new Conflict(`cannot publish ${describe(b)}: the port is already in use on the host (${code ?? 'bind failed'})`, { cause: e });
      }
      out.push({ ...b });
      continue;
    }
    let port = 0;
    for (let i = 0; i < 20 && port === 0; i++) {
      const p = await tryBind(b, 0);
      if (!clash(b, p)) port = p;
    }
    if (port === 0) throw new Conflict(`cannot publish container port ${b.containerPort}/${b.protocol}: no free host port found`);
    out.push({ ...b, hostPort: port });
  }
  return out;
}
