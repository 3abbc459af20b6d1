// The npm package as its users get it: `npm pack` (which builds through prepack) into a temporary
// folder, `npm install` of the tarball into a temporary app under the OS temp dir that cannot
// reach this repository (no network, no NODE_PATH, no npm_* settings of ours; its one run-time
// dependency, fengari, and fengari's own are packed from node_modules), and there: the
// embedded store through `import 'cairn'`, `npx cairn server` answering `npx cairn cli ping`, and a
// TypeScript file compiled against the installed declarations under node16 and bundler resolution.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const packTimeoutMs = 300_000;
const stepTimeoutMs = 60_000;

let tmp = '';
let app = '';
let tarball = '';
let server: ChildProcess | undefined;

/** Our environment without what would tie a child to this repository or this test run. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const dropped = /^(npm_|init_cwd$|node_path$|node_options$|node_test_context$)/i;
  for (const [name, value] of Object.entries(process.env)) if (!dropped.test(name)) env[name] = value;
  // `npm test` puts this repository's node_modules/.bin first on PATH; a user's shell has no such thing.
  env['PATH'] = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => !dir.includes(`node_modules${sep}.bin`)).join(delimiter);
  return { ...env, npm_config_cache: join(tmp, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/**
 * Tarballs of the package's run-time dependencies and theirs, packed from this repository's
 * node_modules (the app installs offline, as a machine without the registry would, with them).
 */
async function dependencyTarballs(): Promise<string[]> {
  const packed: string[] = [];
  const seen = new Set<string>();
  const visit = async (manifestPath: string): Promise<void> => {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (seen.has(name)) continue;
      seen.add(name);
      const dir = join(repo, 'node_modules', name);
      const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: dir, env: userEnv(), timeout: stepTimeoutMs });
      packed.push(join(tmp, stdout.trim().split('\n').pop() as string));
      await visit(join(dir, 'package.json'));
    }
  };
  await visit(join(repo, 'package.json'));
  return packed;
}

function inApp(command: string, args: string[], timeout = stepTimeoutMs): Promise<{ stdout: string; stderr: string }> {
  return run(command, args, { cwd: app, env: userEnv(), timeout, encoding: 'utf8' });
}

before(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'cairn-package-')));
  app = join(tmp, 'app');
  await mkdir(app);
  for (let dir = tmp; ; dir = dirname(dir)) {
    assert.ok(!existsSync(join(dir, 'node_modules')), `${join(dir, 'node_modules')} would let the app resolve what its own install lacks`);
    if (dir === dirname(dir)) break;
  }
  const { version } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
  await run('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: repo, env: userEnv(), timeout: packTimeoutMs });
  tarball = join(tmp, `cairn-${version}.tgz`);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'cairn-user', private: true, type: 'module' }));
  await inApp('npm', ['install', '--offline', '--no-package-lock', tarball, ...(await dependencyTarballs())]);
}, { timeout: packTimeoutMs + stepTimeoutMs });

after(async () => {
  if (server !== undefined) await stopServer(server);
  if (tmp !== '') await rm(tmp, { recursive: true, force: true });
});

test('the tarball holds the built library, its types, the bin, README and LICENSE, and nothing else', async () => {
  const { stdout } = await run('tar', ['-tzf', tarball], { encoding: 'utf8' });
  const entries = stdout.split('\n').filter((line) => line !== '');
  for (const wanted of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'bin/cairn.js', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(entries.includes(`package/${wanted}`), `the tarball lacks ${wanted}`);
  }
  const stray = entries.filter((entry) => !/^package\/(dist\/src\/.+\.(js|d\.ts)|bin\/cairn\.js|README\.md|LICENSE|package\.json)$/.test(entry));
  assert.deepEqual(stray, []);
  assert.ok(!entries.some((entry) => /^package\/dist\/src\/(sim|check)\//.test(entry)), 'the simulator and the checker are test tooling');
  const manifest = JSON.parse(await readFile(join(app, 'node_modules/cairn/package.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(manifest['dependencies'] as object), ['fengari'], 'the library needs only the Lua VM at run time');
});

test('the embedded store works through the package name, from the installed copy', async () => {
  await copyFile(join(fixtures, 'embedded.mjs'), join(app, 'embedded.mjs'));
  const { stdout } = await inApp(process.execPath, ['embedded.mjs', join(tmp, 'embedded-data')]);
  const facts = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(facts['resolved'], pathToFileURL(join(app, 'node_modules/cairn/dist/src/index.js')).href);
  assert.equal(facts['get'], 'hello');
  assert.equal(facts['delExisted'], true);
  assert.equal(facts['getAfterDel'], null);
  assert.equal(facts['secondOpen'], 'CAIRN_LOCKED');
  assert.equal(facts['reopenedKept'], '000102ff');
  assert.equal(facts['reopenedGreeting'], null);
});

/** Starts `npx cairn server` in its own process group and waits, with a deadline, for its ready line. */
async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn('npx', ['--offline', 'cairn', 'server', '--port', String(port), '--dir', join(tmp, 'server-data')], {
    cwd: app, env: userEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${stepTimeoutMs} ms:\n${output}`)), stepTimeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(` ready on 127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npx cairn server exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  await ready;
  return child;
}

/** SIGTERM to the whole group (npx and the node under it), SIGKILL if it outlives the deadline. */
async function stopServer(child: ChildProcess): Promise<void> {
  server = undefined;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), stepTimeoutMs);
  await exited;
  clearTimeout(timer);
}

test('npx cairn server serves and npx cairn cli gets PONG', async () => {
  const port = await freePort();
  const child = await startServer(port);
  try {
    const { stdout } = await inApp('npx', ['--offline', 'cairn', 'cli', '-p', String(port), 'ping']);
    assert.equal(stdout.trim(), 'PONG');
  } finally {
    await stopServer(child);
  }
});

/**
 * Under node16 the installed declarations are checked in full too (skipLibCheck false, TypeScript's
 * default; it checks @types/node as well, about 8 s of CPU); under bundler only how they resolve.
 */
async function compileConsumer(resolution: 'node16' | 'bundler'): Promise<void> {
  const config = {
    compilerOptions: {
      module: resolution === 'node16' ? 'node16' : 'esnext', moduleResolution: resolution, target: 'ES2022', lib: ['ES2023'],
      strict: true, noEmit: true, skipLibCheck: resolution === 'bundler', types: ['node'], typeRoots: [join(repo, 'node_modules/@types')],
    },
    files: ['consumer.mts'],
  };
  await writeFile(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
  await inApp(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`]).catch((error: { stdout?: string }) => {
    assert.fail(`tsc under moduleResolution ${resolution}:\n${error.stdout ?? String(error)}`);
  });
}

test('a TypeScript user compiles against the installed types under node16 and bundler resolution', async () => {
  await copyFile(join(fixtures, 'consumer.mts'), join(app, 'consumer.mts'));
  await compileConsumer('node16');
  await compileConsumer('bundler');
});
