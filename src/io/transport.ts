// Messages between nodes. runtime/ carries them over TCP with framing; sim/ delivers them through a
// simulated network (delay, loss, duplication, partitions). Delivery is best effort: a message may
// be lost, duplicated or reordered, and the layers above must be correct regardless.

export type NodeId = string;

export interface Transport<Message> {
  /** Queues a message for a peer. Never throws for an unreachable peer: the message is dropped. */
  send(to: NodeId, message: Message): void;
  /** Registers the one receiver of messages addressed to this node. */
  onReceive(receiver: (from: NodeId, message: Message) => void): void;
  close(): Promise<void>;
}
