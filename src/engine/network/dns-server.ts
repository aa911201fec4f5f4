/**
 * The embedded DNS server of user networks (docker's 127.0.0.11, here on each network's gateway address,
 * port 53/udp): A records for the names and aliases of the containers on THAT network only, several
 * addresses in a rotating order (round-robin); AAAA for those names answers "no data" so resolvers do not
 * wait (any type but A gets an empty answer); any other name is forwarded to the asking container's --dns servers or the host's resolvers, except
 * from an internal network, which gets REFUSED (it has no way out, and neither do its lookups).
 * RFC 1035 §4.1 message format; only what a stub resolver sends (one question, no EDNS needed).
 */
import { createSocket, type Socket } from 'node:dgram';

export interface DnsZone {
  /** Addresses of `name` (lower case, no trailing dot) on `network`; [] when unknown. */
  lookup(network: string, name: string): string[];
  /** Where to forward other questions from `clientIp` on `network`; null: refuse. */
  upstreams(network: string, clientIp: string): string[] | null;
}

const TYPE_A = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;

interface Question {
  id: number;
  flags: number;
  name: string;
  qtype: number;
  /** The question section as received, to echo back. */
  raw: Buffer;
}

export function parseQuery(msg: Buffer): Question | null {
  if (msg.length < 12 || msg.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let off = 12;
  while (off < msg.length) {
    const len = msg[off] ?? 0;
    if (len === 0) break;
    if (len > 63 || off + 1 + len > msg.length) return null;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 5 > msg.length) return null;
  const qtype = msg.readUInt16BE(off + 1);
  return { id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), name: labels.join('.').toLowerCase(), qtype, raw: msg.subarray(12, off + 5) };
}

export function buildAnswer(q: Question, rcode: number, addresses: readonly string[], ttl = 0): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR=1, opcode as asked, AA=1, RD as asked, RA=1
  header.writeUInt16BE(0x8000 | (q.flags & 0x7800) | 0x0400 | (q.flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const answers = addresses.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((p, i) => rr.writeUInt8(Number(p), 12 + i));
    return rr;
  });
  return Buffer.concat([header, q.raw, ...answers]);
}

export class DnsServer {
  readonly #zone: DnsZone;
  readonly #sockets = new Map<string, Socket>();
  #turn = 0;

  constructor(zone: DnsZone) {
    this.#zone = zone;
  }

  /** Serve `network` on `address`:53 (idempotent). */
  async listen(network: string, address: string, port = 53): Promise<void> {
    if (this.#sockets.has(network)) return;
    const sock = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', () => undefined);
    sock.on('message', (msg, rinfo) => void this.#answer(network, sock, msg, rinfo.address, rinfo.port));
    this.#sockets.set(network, sock);
  }

  stop(network: string): void {
    this.#sockets.get(network)?.close();
    this.#sockets.delete(network);
  }

  close(): void {
    for (const n of [...this.#sockets.keys()]) this.stop(n);
  }

  async #answer(network: string, sock: Socket, msg: Buffer, clientIp: string, clientPort: number): Promise<void> {
    const q = parseQuery(msg);
    if (!q) return;
    const name = q.name.replace(/\.$/, '');
    const ips = this.#zone.lookup(network, name);
    let reply: Buffer;
    if (ips.length > 0) {
      const k = this.#turn++ % ips.length;
      const rotated = [...ips.slice(k), ...ips.slice(0, k)];
      reply = buildAnswer(q, 0, q.qtype === TYPE_A ? rotated : []);
    } else {
      const up = this.#zone.upstreams(network, clientIp);
      if (up === null) reply = buildAnswer(q, RCODE_REFUSED, []);
      else if (up.length === 0 || !name.includes('.')) reply = buildAnswer(q, RCODE_NXDOMAIN, []);
      else reply = (await forward(msg, up)) ?? buildAnswer(q, RCODE_SERVFAIL, []);
    }
    sock.send(reply, clientPort, clientIp);
  }
}

/** Ask each upstream in turn (2 s each); the first answer is relayed unchanged. */
function forward(msg: Buffer, upstreams: readonly string[]): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (r: Buffer | null) => {
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const next = () => {
      const up = upstreams[i++];
      if (up === undefined) return done(null);
      sock.send(msg, 53, up);
      timer = setTimeout(next, 2000);
    };
    sock.on('message', (reply) => done(reply));
    sock.on('error', () => done(null));
    next();
  });
}
