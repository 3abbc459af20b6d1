// The version a node reports (INFO, HELLO, `cairn --version`) is the package's own: the two are
// written in two places, so this holds them together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cairnVersion } from '../../src/runtime/server-main.js';

test('cairnVersion is package.json version', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(cairnVersion, manifest.version);
});
