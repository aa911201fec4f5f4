/**
 * The iptables rules of each network, docker's layout with Pure's chain names:
 *
 *   filter FORWARD → PURE-ISOLATION-1 → (-i B ! -o B) → PURE-ISOLATION-2 → (-o OTHER) DROP
 *                  → PURE-FORWARD     → -i B / -o B ACCEPT   (so a host whose FORWARD policy is DROP works)
 *   nat POSTROUTING → PURE-POSTROUTING → -s SUBNET ! -o B MASQUERADE
 *
 * An internal network gets no masquerade and DROPs anything that enters or leaves its bridge for another
 * interface. Every rule names its bridge, so the rules of one network are found (and counted) by that name.
 * Adds are idempotent (-C before -A): the daemon re-ensures every network at start.
 */
import { run } from '../../lib/index.js';

export type Rule = { table: 'filter' | 'nat'; chain: string; args: string[] };

const ISO1 = 'PURE-ISOLATION-1';
const ISO2 = 'PURE-ISOLATION-2';
const FWD = 'PURE-FORWARD';
const POST = 'PURE-POSTROUTING';

export function networkRules(n: { bridge: string; subnet: string; internal: boolean }): Rule[] {
  const b = n.bridge;
  if (n.internal) {
    return [
      { table: 'filter', chain: ISO1, args: ['-i', b, '!', '-o', b, '-j', 'DROP'] },
      { table: 'filter', chain: ISO1, args: ['!', '-i', b, '-o', b, '-j', 'DROP'] },
      { table: 'filter', chain: FWD, args: ['-i', b, '-o', b, '-j', 'ACCEPT'] },
    ];
  }
  return [
    { table: 'filter', chain: ISO1, args: ['-i', b, '!', '-o', b, '-j', ISO2] },
    { table: 'filter', chain: ISO2, args: ['-o', b, '-j', 'DROP'] },
    { table: 'filter', chain: FWD, args: ['-i', b, '-j', 'ACCEPT'] },
    { table: 'filter', chain: FWD, args: ['-o', b, '-j', 'ACCEPT'] },
    { table: 'nat', chain: POST, args: ['-s', n.subnet, '!', '-o', b, '-j', 'MASQUERADE'] },
  ];
}

export class HostRules {
  readonly #bin: string;
  constructor(opts: { iptables?: string } = {}) {
    this.#bin = opts.iptables ?? 'iptables';
  }

  async #ipt(table: string, args: string[], check = true): Promise<boolean> {
    const r = await run(this.#bin, ['-w', '-t', table, ...args], { check });
    return r.code === 0;
  }

  /** Our chains and the jumps into them; isolation must come before anything that ACCEPTs. */
  async ensureBase(): Promise<void> {
    for (const [table, chain] of [['filter', ISO1], ['filter', ISO2], ['filter', FWD], ['nat', POST]] as const) {
      await this.#ipt(table, ['-N', chain], false);
    }
    for (const [table, parent, chain] of [['filter', 'FORWARD', FWD], ['filter', 'FORWARD', ISO1], ['nat', 'POSTROUTING', POST]] as const) {
      if (!(await this.#ipt(table, ['-C', parent, '-j', chain], false))) await this.#ipt(table, ['-I', parent, '1', '-j', chain]);
    }
    // PURE-ISOLATION-1 must be evaluated first: move it to the top if something was inserted above it
    const first = (await run(this.#bin, ['-w', '-t', 'filter', '-S', 'FORWARD'])).stdout.split('\n')[1] ?? '';
    if (!first.includes(ISO1)) {
      await this.#ipt('filter', ['-D', 'FORWARD', '-j', ISO1]);
      await this.#ipt('filter', ['-I', 'FORWARD', '1', '-j', ISO1]);
    }
  }

  async add(n: { bridge: string; subnet: string; internal: boolean }): Promise<void> {
    for (const r of networkRules(n)) {
      if (!(await this.#ipt(r.table, ['-C', r.chain, ...r.args], false))) await this.#ipt(r.table, ['-A', r.chain, ...r.args]);
    }
  }

  /** Deletes every copy of each rule (a crash between -C and -A cannot leave a duplicate behind). */
  async remove(n: { bridge: string; subnet: string; internal: boolean }): Promise<void> {
    for (const r of networkRules(n)) {
      for (let i = 0; i < 10 && (await this.#ipt(r.table, ['-D', r.chain, ...r.args], false)); i++);
    }
  }
}
