// Runs every test file under test/ with node's test runner and tsx (TypeScript without a build).
// `node scripts/run-tests.mjs storage` runs only the files whose path contains "storage".
// Each file runs in its own process, two at a time (TEST_LANES=n to change), the slowest known
// files first so both lanes finish together: node's own `--test` runner starts files in
// alphabetical order, which left the long simulator and torture files for the end. Each file's
// output is printed when it finishes, then a summary with the slowest files and every failure.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

/**
 * Files that take longest on two cores, longest first (measured 2026-12-08 on the loaded machine:
 * per-file wall and CPU time; the simulator's seed files are the longest CPU-bound ones, the torture
 * campaigns run a fixed schedule of about a minute). A file not listed starts after these, in
 * alphabetical order; a stale entry is skipped.
 */
const SLOWEST_FIRST = [
  'test/sim/seeds-1.test.ts',
  'test/sim/seeds-2.test.ts',
  'test/sim/seeds-3.test.ts',
  'test/sim/seeds-4.test.ts',
  'test/cluster/failover.test.ts',
  'test/sim/membership-seeds-1.test.ts',
  'test/sim/membership-seeds-2.test.ts',
  'test/torture/campaign.test.ts',
  'test/torture/watch-campaign.test.ts',
  'test/torture/queue-campaign.test.ts',
  'test/sim/membership-reuse-ids.test.ts',
  'test/cluster/convergence.test.ts',
  'test/cluster/membership.test.ts',
  'test/cluster/startup-check.test.ts',
  'test/cluster/peer-tls.test.ts',
  'test/cluster/membership-snapshot.test.ts',
  'test/cluster/scripts.test.ts',
  'test/server/crash.test.ts',
  'test/server/eviction.test.ts',
  'test/server/protocol.test.ts',
  'test/server/differential.test.ts',
  'test/cluster/addresses.test.ts',
  'test/cluster/serving.test.ts',
  'test/cluster/relay-failover.test.ts',
  'test/cluster/blocking.test.ts',
  'test/bin/launch.test.ts',
  'test/embedded/property.test.ts',
];

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.test.ts') ? [path] : [];
  });
}
const filters = process.argv.slice(2);
const found = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (found.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const files = [...SLOWEST_FIRST.filter((f) => found.includes(f)), ...found.filter((f) => !SLOWEST_FIRST.includes(f))];
const lanes = Math.max(1, Number(process.env.TEST_LANES ?? 2) || 2);

/** Runs one file (node:test runs a test file's tests when the file is executed); resolves with its result. */
function runFile(file) {
  const startMs = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      resolve({ file, ok: code === 0, exit: signal ?? code, seconds: (Date.now() - startMs) / 1000, output: Buffer.concat(output).toString() });
    });
  });
}

const results = [];
let next = 0;
async function lane() {
  while (next < files.length) {
    const result = await runFile(files[next++]);
    results.push(result);
    process.stdout.write(`\n# ${result.ok ? 'ok' : 'FAILED'} ${result.file} (${result.seconds.toFixed(1)} s)\n${result.output}`);
  }
}
const startMs = Date.now();
// A child's own exit ends with it; on Ctrl-C the children get the same SIGINT from the terminal.
await Promise.all(Array.from({ length: Math.min(lanes, files.length) }, lane));

const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 10);
console.log(`\n# slowest files:\n${slowest.map((r) => `#   ${r.seconds.toFixed(1).padStart(7)} s  ${r.file}`).join('\n')}`);
console.log(`# ${results.length} files in ${((Date.now() - startMs) / 1000).toFixed(0)} s on ${lanes} lanes: ${results.length - failed.length} passed, ${failed.length} failed`);
for (const r of failed) console.log(`# FAILED ${r.file} (exit ${r.exit})`);
process.exit(failed.length === 0 ? 0 : 1);
