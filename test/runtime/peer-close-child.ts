// Child of peer-hostile.test.ts: three transports exchange messages and close. It never calls
// process.exit(): the parent checks that it exits by itself, i.e. close() left no handle open.

import { connectAll, heartbeat, startNode, waitFor } from './peer-helpers.js';

const nodes = await Promise.all(['n1', 'n2', 'n3'].map((id) => startNode(id)));
connectAll(nodes);
for (const from of nodes) for (const to of nodes) if (from !== to) from.transport.send(to.id, heartbeat(from.id, to.id, 1));
await waitFor('every node hears both others', () => nodes.every((n) => n.received.length === 2));
await Promise.all(nodes.map((n) => n.transport.close()));
console.log(`exchanged ${nodes.reduce((sum, n) => sum + n.received.length, 0)} messages`);
