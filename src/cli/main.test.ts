/**
 * The composition root's lazy command table: `pure <word>` registers only the modules listed for the word, so
 * the table must name every module that registers or extends it, or that command would lose subcommands.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { buildProgram, COMMAND_MODULES } from './main.js';
import type { CliContext } from './context.js';

function context(): CliContext {
  return {
    client: () => {
      throw new Error('no client in this test');
    },
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: process.stdin,
    env: {},
    cwd: '/',
    now: () => 0,
    exitCode: 0,
  };
}

function words(program: Command): string[] {
  return program.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
}

/** A command's whole shape: names, aliases, options and subcommands, recursively. */
function shape(cmd: Command): unknown {
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    options: cmd.options.map((o) => o.flags),
    commands: cmd.commands.map(shape),
  };
}

void test('pure <word> builds the same command for each word as the full program does', async () => {
  const full = await buildProgram(context());
  const all = words(full);
  assert.ok(all.includes('ps') && all.includes('run') && all.includes('compose'), all.join(' '));
  assert.deepEqual([...new Set(COMMAND_MODULES.flatMap((m) => m.words))].sort(), all, 'the table lists exactly the program\'s words');
  for (const word of all) {
    const mine = (await buildProgram(context(), word)).commands.find((c) => c.name() === word || c.aliases().includes(word));
    const theirs = full.commands.find((c) => c.name() === word || c.aliases().includes(word));
    assert.ok(mine && theirs, word);
    assert.deepEqual(shape(mine), shape(theirs), word);
  }
});

void test('a known word builds only its modules; no word, help or an unknown word builds every command', async () => {
  const all = words(await buildProgram(context()));
  assert.deepEqual(words(await buildProgram(context(), 'help')), all);
  assert.deepEqual(words(await buildProgram(context(), 'pss')), all);
  assert.deepEqual(words(await buildProgram(context(), 'ps')), ['ps', 'stats']);
  assert.deepEqual(words(await buildProgram(context(), 'run')), ['create', 'exec', 'run', 'start']);
});
