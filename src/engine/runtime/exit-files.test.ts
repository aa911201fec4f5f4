import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchExits } from './exit-files.js';

void test("conmon's temp file is never reported: only the renamed <id> is", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pure-exits-'));
  const seen: string[] = [];
  const w = watchExits(dir, (id, code) => seen.push(`${id}=${code}`));
  try {
    const id = 'a'.repeat(64);
    // what g_file_set_contents does: write <id>.XXXXXX, then rename it to <id>
    await writeFile(join(dir, `${id}.Q1W2E3`), '7');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen, [], 'the temp name was not taken for an exit');
    await rename(join(dir, `${id}.Q1W2E3`), join(dir, id));
    const t0 = Date.now();
    while (seen.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, [`${id}=7`]);
  } finally {
    w.close();
    await rm(dir, { recursive: true, force: true });
  }
});
