// The membership controller (replica/membership-controller.ts) alone, on a simulated clock with a
// scripted replica and I/O: ADDNODE announces, adds a learner, promotes it only once the leader
// counts it caught up, and gives up (a learner still) at the catch-up deadline; a follower answers
// NOTLEADER with the leader's address and a busy leader refuses a second change; a leader removing
// itself asks for its removal only once another node leads, and retires only once that succeeded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OK, errorReply, type Reply } from '../../src/lib/reply.js';
import type { ConfChange, Membership, PeerStatus, RaftStatus } from '../../src/raft/types.js';
import { MembershipController, type MemberRequest, type MembershipReplica } from '../../src/replica/membership-controller.js';
import { SimClock } from '../../src/sim/clock.js';
import { Scheduler } from '../../src/sim/scheduler.js';

class ScriptedReplica implements MembershipReplica {
  readonly id = 'n1';
  role: RaftStatus['role'] = 'leader';
  leader: string | null = 'n1';
  membership: Membership = { voters: ['n1', 'n2', 'n3'], learners: [] };
  commitIndex = 10;
  peers: PeerStatus[] = ['n2', 'n3'].map((id, i) => ({ id, matchIndex: 10 - i, nextIndex: 11, state: 'replicate', inflightMessages: 0, recentActive: true }));
  transferredTo: string | null = null;

  constructor(private readonly events: string[]) {}

  status(): RaftStatus {
    return { id: this.id, role: this.role, membership: this.membership, commitIndex: this.commitIndex, peers: this.peers } as RaftStatus;
  }

  leaderHint(): string | null {
    return this.leader;
  }

  transferLeadership(to: string): void {
    this.events.push(`transfer ${to}`);
    this.transferredTo = to;
  }

  failed(): Error | undefined {
    return undefined;
  }

  proposeConfChange(change: ConfChange): Promise<void> {
    this.events.push(`${change.type} ${change.nodeId}`);
    const { voters, learners } = this.membership;
    const id = change.nodeId;
    if (change.type === 'addLearner') this.membership = { voters, learners: [...learners, id] };
    if (change.type === 'promoteLearner') this.membership = { voters: [...voters, id], learners: learners.filter((l) => l !== id) };
    if (change.type === 'addLearner') this.peers.push({ id, matchIndex: 0, nextIndex: 1, state: 'probe', inflightMessages: 0, recentActive: true });
    return Promise.resolve();
  }
}

function setup(answer: (request: MemberRequest) => Reply = () => OK): { scheduler: Scheduler; replica: ScriptedReplica; controller: MembershipController; events: string[] } {
  const scheduler = new Scheduler();
  const events: string[] = [];
  const replica = new ScriptedReplica(events);
  const controller = new MembershipController({
    replica,
    clock: new SimClock(scheduler, 'n1'),
    io: {
      announce: async (change) => void events.push(`announce ${change.kind} ${change.id}`),
      removedIds: () => new Set(['old']),
      clientAddress: (id) => `${id}.test:6379`,
      addressProblem: (address) => (address.includes(':') ? undefined : `bad address ${address}`),
      ask: async (to, request) => {
        events.push(`ask ${to} ${request.kind} ${request.id}`);
        return answer(request);
      },
      retire: async () => void events.push('retire'),
      log: () => undefined,
    },
    timeouts: { catchUpTimeoutMs: 1_000, pendingChangeWaitMs: 300, transferWaitMs: 500, pollMs: 10 },
    growRefusal: undefined,
    removedIdsMax: 100,
  });
  return { scheduler, replica, controller, events };
}

/** Runs simulated time until the reply comes (or 10 s pass). */
async function settle(scheduler: Scheduler, reply: Promise<Reply>, step?: (nowMs: number) => void): Promise<Reply | undefined> {
  let result: Reply | undefined;
  void reply.then((r) => (result = r));
  for (let ms = 10; ms <= 10_000 && result === undefined; ms += 10) {
    step?.(scheduler.nowMs());
    await scheduler.runUntil(ms, () => result !== undefined, 10_000);
  }
  return result;
}

test('ADDNODE promotes the learner only once the leader counts it caught up', async () => {
  const { scheduler, replica, controller, events } = setup();
  const reply = settle(scheduler, controller.add('n4', 'h:1', 'h:2'), (nowMs) => {
    const n4 = replica.peers.find((p) => p.id === 'n4');
    if (n4 !== undefined && nowMs >= 200) n4.matchIndex = replica.commitIndex;
  });
  assert.deepEqual(await reply, OK);
  assert.deepEqual(events, ['announce join n4', 'addLearner n4', 'promoteLearner n4']);
  assert.ok(scheduler.nowMs() >= 200, 'it waited for the learner');
});

test('ADDNODE gives up at the catch-up deadline and leaves a learner', async () => {
  const { scheduler, replica, controller, events } = setup();
  const reply = await settle(scheduler, controller.add('n4', 'h:1', 'h:2'));
  assert.match(reply?.type === 'error' ? reply.message : '', /n4 did not catch up within 1000 ms; it stays a learner/);
  assert.deepEqual(events, ['announce join n4', 'addLearner n4']);
  assert.deepEqual(replica.membership.learners, ['n4']);
});

test('a follower redirects to the leader; the leader refuses a second change, a removed id and a bad address', async () => {
  const { scheduler, replica, controller } = setup();
  const first = controller.add('n4', 'h:1', 'h:2');
  assert.deepEqual(await controller.remove('n2'), errorReply('ERR a membership change or transfer is already under way'));
  await settle(scheduler, first);
  assert.deepEqual(await controller.add('old', 'h:1', 'h:2'), errorReply('ERR old was removed from this cluster before: a removed node rejoins under a new id (its old votes and acks still count under this one)'));
  assert.deepEqual(await controller.add('n5', 'nowhere', 'h:2'), errorReply('ERR bad address nowhere'));
  replica.role = 'follower';
  replica.leader = 'n2';
  assert.deepEqual(await controller.add('n5', 'h:1', 'h:2'), errorReply('NOTLEADER n2 n2.test:6379 membership changes and transfers go to the leader'));
});

test('a leader removing itself asks the new leader only once it leads, and retires only once the removal succeeded', async () => {
  const { scheduler, replica, controller, events } = setup();
  const reply = settle(scheduler, controller.remove('n1'), (nowMs) => {
    if (nowMs >= 100 && replica.transferredTo !== null) replica.leader = replica.transferredTo;
  });
  assert.deepEqual(await reply, OK);
  assert.deepEqual(events, ['transfer n2', 'ask n2 remove n1', 'retire']);

  const refused = setup(() => errorReply('CLUSTERDOWN no leader'));
  const answer = settle(refused.scheduler, refused.controller.remove('n1'), () => (refused.replica.leader = refused.replica.transferredTo));
  assert.deepEqual(await answer, errorReply('CLUSTERDOWN no leader'));
  assert.deepEqual(refused.events, ['transfer n2', 'ask n2 remove n1'], 'no retirement without the removal');
});

test('ADDNODE of a learner a timed-out ADDNODE left behind resumes: announce, wait, promote', async () => {
  const { scheduler, replica, controller, events } = setup();
  await settle(scheduler, controller.add('n4', 'h:1', 'h:2'));
  assert.deepEqual(replica.membership.learners, ['n4']);
  events.length = 0;
  const start = scheduler.nowMs();
  const reply = settle(scheduler, controller.add('n4', 'h:1', 'h:2'), (nowMs) => {
    const n4 = replica.peers.find((p) => p.id === 'n4');
    if (n4 !== undefined && nowMs >= start + 100) n4.matchIndex = replica.commitIndex;
  });
  assert.deepEqual(await reply, OK);
  assert.deepEqual(events, ['announce join n4', 'promoteLearner n4'], 'no second addLearner');
  assert.deepEqual(replica.membership, { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] });
  assert.deepEqual(await controller.add('n4', 'h:1', 'h:2'), errorReply('ERR n4 is already a member'));
});
