// The namespace network on its own: three namespaces on a bridge, a TCP listener in each; the
// campaign's namespace reaches every node; a cut stops one direction only and heals; cleanup
// leaves no namespace, veth or bridge; and the leftovers of a campaign whose process is gone
// (same name prefix, dead pid) are swept by the next one. Needs root and `ip netns`; skipped
// otherwise.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { Prng } from '../../src/lib/prng.js';
import { NetnsNet } from '../../torture/net-netns.js';
import { netnsAvailable, NetnsNames, run, sweepLeftovers } from '../../torture/netns-sys.js';

const available = await netnsAvailable();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Whether a TCP connect from inside `namespace` (or the campaign's own, if undefined) to host:port succeeds within 1 s. */
async function canConnect(net: NetnsNet, from: number | undefined, host: string, port: number): Promise<boolean> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(1000);s.on('connect',()=>{process.exit(0)});s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`;
  const argv = [process.execPath, '-e', script];
  const { file, args } = from === undefined ? { file: argv[0]!, args: argv.slice(1) } : net.command(from, argv);
  return new Promise((resolve) => spawn(file, args, { stdio: 'ignore' }).on('exit', (code) => resolve(code === 0)));
}

/** A listener on node i's client address inside its namespace; resolves once it listens. */
async function listen(net: NetnsNet, i: number): Promise<void> {
  const { host, port } = net.clientAddress(i);
  const script = `require('net').createServer((s)=>s.destroy()).listen(${port},'${host}',()=>console.log('up'))`;
  const { file, args } = net.command(i, [process.execPath, '-e', script]);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`listener ${i} exited ${code}`)));
  });
}

test('namespace network: reachable, one-way cuts that heal, nothing left after cleanup', { skip: !available && 'needs root and ip netns' }, async () => {
  const net = await NetnsNet.start(3, new Prng(1), () => undefined);
  const names = new NetnsNames(process.pid);
  try {
    for (let i = 0; i < 3; i++) await listen(net, i);
    for (let i = 0; i < 3; i++) assert.ok(await canConnect(net, undefined, net.clientAddress(i).host, net.clientAddress(i).port), `workload reaches n${i + 1}`);
    assert.ok(await canConnect(net, 0, net.clientAddress(1).host, net.clientAddress(1).port), 'n1 reaches n2');
    await net.cut(0, 1);
    assert.equal(await canConnect(net, 0, net.clientAddress(1).host, net.clientAddress(1).port), false, 'n1 -> n2 is cut');
    assert.ok(await canConnect(net, 0, net.clientAddress(2).host, net.clientAddress(2).port), 'n1 -> n3 still open');
    assert.ok(await canConnect(net, undefined, net.clientAddress(1).host, net.clientAddress(1).port), 'the workload still reaches n2');
    await net.shape(1, 2, { delayMs: 100, lossRate: 0, slowRateKbit: 512 });
    assert.ok(await canConnect(net, 1, net.clientAddress(2).host, net.clientAddress(2).port), 'a slow link still connects');
    await net.healAll();
    assert.ok(await canConnect(net, 0, net.clientAddress(1).host, net.clientAddress(1).port), 'n1 -> n2 healed');
  } finally {
    await net.cleanup();
  }
  const namespaces = await run('ip', ['netns', 'list']);
  const links = await run('ip', ['-o', 'link', 'show']);
  for (let i = 0; i < 3; i++) {
    assert.ok(!namespaces.includes(names.namespace(i)), `${names.namespace(i)} removed`);
    assert.ok(!links.includes(names.veth(i)), `${names.veth(i)} removed`);
  }
  assert.ok(!links.includes(`${names.bridge}:`), 'bridge removed');
});

test('a crashed campaign\'s namespaces and bridge are swept by name prefix', { skip: !available && 'needs root and ip netns' }, async () => {
  // A pid no process has: pid_max is at most 2^22.
  const dead = new NetnsNames(9_999_999);
  await run('ip', ['netns', 'add', dead.namespace(0)]);
  await run('ip', ['link', 'add', dead.bridge, 'type', 'bridge']);
  const mine = new NetnsNames(process.pid);
  await run('ip', ['netns', 'add', mine.namespace(0)]);
  try {
    const removed = await sweepLeftovers();
    assert.ok(removed.includes(dead.namespace(0)) && removed.includes(dead.bridge), `swept ${removed.join(',')}`);
    assert.ok(!removed.includes(mine.namespace(0)), 'a live campaign\'s namespace is kept');
    assert.ok(!(await run('ip', ['netns', 'list'])).includes(dead.namespace(0)));
  } finally {
    await run('ip', ['netns', 'del', mine.namespace(0)]).catch(() => undefined);
    await run('ip', ['netns', 'del', dead.namespace(0)]).catch(() => undefined);
    await run('ip', ['link', 'del', dead.bridge]).catch(() => undefined);
  }
});
