// The `cairn` dispatcher: help and unknown commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const main = join(import.meta.dirname, '../../src/cli/main.ts');

function cairn(args: string[], input?: string): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { encoding: 'utf8', input, timeout: 30_000 });
}

test('cairn help lists every subcommand and exits 0', () => {
  const result = cairn(['help']);
  assert.equal(result.status, 0);
  for (const name of ['local-cluster', 'server', 'status', 'cli', 'check']) assert.match(String(result.stdout), new RegExp(`^  ${name} `, 'm'));
});

test('cairn with no command prints usage and exits 2', () => {
  const result = cairn([]);
  assert.equal(result.status, 2);
  assert.match(String(result.stdout), /usage: cairn <command>/);
});

test('an unknown command is named in the error and exits 2', () => {
  const result = cairn(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(String(result.stderr), /unknown command 'frobnicate'/);
});
