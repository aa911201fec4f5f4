import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InterpolationError, interpolateString } from './interpolate.js';
import { parseEnvFile } from './env-file.js';

const env = { NAME: 'web', EMPTY: '', TAG: '1.2' };

function interp(text: string): { value: string; unset: string[] } {
  const unset: string[] = [];
  const value = interpolateString(text, { env, onUnset: (n) => unset.push(n) });
  return { value, unset };
}

void test('plain and braced variables are replaced; an unset one becomes "" and is reported', () => {
  assert.deepEqual(interp('$NAME:${TAG}'), { value: 'web:1.2', unset: [] });
  assert.deepEqual(interp('a${MISSING}b$MISSING2'), { value: 'ab', unset: ['MISSING', 'MISSING2'] });
  assert.deepEqual(interp('$NAME-x.$TAG'), { value: 'web-x.1.2', unset: [] });
});

void test('$$ is a literal dollar and is not interpolated further', () => {
  assert.equal(interp('cost $$5 and $${NAME}').value, 'cost $5 and ${NAME}');
});

void test(':- and - defaults differ on empty variables', () => {
  assert.equal(interp('${EMPTY:-def}').value, 'def');
  assert.equal(interp('${EMPTY-def}').value, '');
  assert.equal(interp('${MISSING-def}').value, 'def');
  assert.equal(interp('${MISSING:-def}').value, 'def');
  assert.equal(interp('${NAME:-def}').value, 'web');
});

void test(':+ and + give the alternative only when set', () => {
  assert.equal(interp('${NAME:+on}').value, 'on');
  assert.equal(interp('${EMPTY:+on}').value, '');
  assert.equal(interp('${EMPTY+on}').value, 'on');
  assert.equal(interp('${MISSING+on}').value, '');
});

void test(':? and ? fail with the message; defaults nest and are only evaluated when used', () => {
  assert.throws(() => interp('${MISSING:?set it}'), { message: 'required variable MISSING is unset: set it' });
  assert.throws(() => interp('${EMPTY:?}'), { message: 'required variable EMPTY is empty' });
  assert.equal(interp('${EMPTY?x}').value, '');
  assert.throws(() => interp('${MISSING?}'), { message: 'required variable MISSING is unset' });
  assert.equal(interp('${MISSING:-${NAME}-${TAG}}').value, 'web-1.2');
  assert.equal(interp('${NAME:-${MISSING:?never}}').value, 'web');
});

void test('malformed interpolations are errors that quote the text', () => {
  assert.throws(() => interp('price $5'), (err: Error) => err instanceof InterpolationError && err.message === 'invalid interpolation "$5" in "price $5" (write $$ for a literal $)');
  assert.throws(() => interp('${NAME'), { message: 'unterminated "${" in "${NAME"' });
  assert.throws(() => interp('${1X}'), /invalid interpolation "\$\{1X\}"/);
  assert.throws(() => interp('end$'), /invalid interpolation "\$" in "end\$"/);
});

void test('env files: comments, export, quotes, inline comments, bare keys, interpolation', () => {
  const text = [
    '# comment',
    '',
    'export A=1',
    'B = two words # trailing',
    "C='lit $A # not a comment'",
    'D="x\\ny ${A}"',
    'E=${A}-${HOME_X:-h}',
    'F',
    'G',
    'H=a#b',
  ].join('\n');
  assert.deepEqual(parseEnvFile(text, 'app.env', { F: 'from-env' }), {
    A: '1',
    B: 'two words',
    C: 'lit $A # not a comment',
    D: 'x\ny 1',
    E: '1-h',
    F: 'from-env',
    H: 'a#b',
  });
});

void test('env files: a bad line names the file and line', () => {
  assert.throws(() => parseEnvFile('A=1\n1B=2\n', 'app.env', {}), { message: 'app.env:2: invalid variable name "1B" (expected KEY=VALUE)' });
  assert.throws(() => parseEnvFile('A="open\n', 'app.env', {}), { message: 'app.env:1: A: unterminated double quote in "\\"open"' });
});
