// The command catalog (src/kv/acl/redis-commands.ts) is what redis-server 7.0 says: regenerated in
// memory from a live server's COMMAND INFO (scripts/acl-commands.ts) and compared with the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fetchRows, renderRows, withRedis } from '../../scripts/acl-commands.js';
import { REDIS_VERSION } from '../../src/kv/acl/redis-commands.js';
import { CATALOG } from '../../src/kv/acl/catalog.js';

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

test('the checked-in command catalog equals a live redis-server 7.0 COMMAND INFO', { skip: !haveRedis }, async () => {
  const rows = await withRedis(fetchRows);
  const file = readFileSync(new URL('../../src/kv/acl/redis-commands.ts', import.meta.url), 'utf8');
  assert.equal(renderRows(rows, REDIS_VERSION), file);
});

test('every subcommand follows its container and categories name known commands', () => {
  for (const command of CATALOG.commands) {
    if (command.parent !== undefined) assert.ok(command.parent.subcommands.includes(command), command.name);
  }
  assert.ok((CATALOG.category('read') ?? []).some((c) => c.name === 'get'));
  assert.ok((CATALOG.category('dangerous') ?? []).some((c) => c.name === 'flushall'));
  assert.equal(CATALOG.lookup('CONFIG|GET')?.name, 'config|get');
});
