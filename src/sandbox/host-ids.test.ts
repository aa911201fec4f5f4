import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Unavailable } from '../errors/index.js';
import { HostIdRanges } from './host-ids.js';

void describe('HostIdRanges', () => {
  void it('gives each live sandbox its own block, lowest free first, and reuses a released one', () => {
    const r = new HostIdRanges({ base: 100_000, size: 65_536, count: 3 });
    const a = r.acquire();
    const b = r.acquire();
    assert.deepEqual([a.hostBase, b.hostBase], [100_000, 165_536]);
    r.release(a);
    assert.equal(r.acquire().hostBase, 100_000);
    assert.equal(r.acquire().hostBase, 231_072);
    assert.equal(r.inUse, 3);
  });

  void it('refuses when every block is held, and ignores a double or foreign release', () => {
    const r = new HostIdRanges({ count: 1 });
    const a = r.acquire();
    assert.throws(() => r.acquire(), (e: unknown) => e instanceof Unavailable && /all 1 are in use/.test((e as Error).message));
    r.release(a);
    r.release(a);
    r.release({ hostBase: 42, size: 65_536 });
    assert.equal(r.inUse, 0);
    assert.equal(r.acquire().hostBase, 100_000);
  });
});
