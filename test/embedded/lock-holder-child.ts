// Child for lock-zombie.test.ts: takes a data folder's lock, prints "locked", and holds it until
// killed (or two minutes pass, so a test that died leaves nothing running for long).
// Usage: node --import tsx lock-holder-child.ts DIR

import { NodeDisk } from '../../src/runtime/disk.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: lock-holder-child.ts DIR');
await new NodeDisk().lock(dir);
process.stdout.write('locked\n');
setTimeout(() => process.exit(0), 120_000);
