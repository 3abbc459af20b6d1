// The node arguments that run a TypeScript entry (a test fixture that starts a server or a cluster
// node) in a child process. The entry is bundled once per test process into one JavaScript file
// with esbuild (the compiler tsx itself runs on every file), so each child starts from plain
// JavaScript: a cluster node is ready after ~0.5 s of CPU instead of ~2.5 s through tsx's loader
// hooks, and the cluster tests start dozens of them. The code is the same source, compiled the
// same way; packages stay external (resolved from node_modules as before). The bundle lives under
// dist/ (so node_modules resolves), is named for this process, and is removed when it exits.
// One difference to mend: esbuild emits the imports of packages module by module, leaf first, so
// src/script/vm-patches.ts's `fengari/src/lobject.js` would load before the `fengari` that
// engine.ts imports ahead of it, and fengari's modules require each other in a cycle that only works
// from its index; the bundle therefore imports `fengari` first, as the unbundled modules do.
// CAIRN_TEST_TSX=1 runs children through tsx as before.

import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import process from 'node:process';
import { build } from 'esbuild';

const root = new URL('../../', import.meta.url).pathname;
const bundles = new Map<string, Promise<string>>();
let outDir: string | undefined;

function bundleDir(): string {
  if (outDir === undefined) {
    const dir = join(root, 'dist', 'test-bundles', `${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    outDir = dir;
  }
  return outDir;
}

async function bundle(entry: string): Promise<string> {
  const outfile = join(bundleDir(), `${basename(entry).replace(/\.ts$/, '')}-${bundles.size}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    banner: { js: "import 'fengari';" },
    logLevel: 'error',
  });
  return outfile;
}

/** `[...node options, script]` for spawn(process.execPath, [...await entryArgs(entry), ...args]); `entry` is relative to the repository. */
export async function entryArgs(entry: string): Promise<string[]> {
  const path = join(root, entry);
  if (process.env.CAIRN_TEST_TSX === '1') return ['--import', 'tsx', path];
  let outfile = bundles.get(path);
  if (outfile === undefined) {
    outfile = bundle(path);
    bundles.set(path, outfile);
  }
  // Source maps only when something fails: a stack then names the .ts lines.
  return ['--enable-source-maps', await outfile];
}
