// The transport of a one-member cluster: there is nobody to talk to. A sole voter never sends a
// message (it needs no votes and has no followers), so send() only drops, as the Transport
// contract allows for an unreachable peer, and nothing is ever received.

import type { NodeId, Transport } from '../io/transport.js';

export class NoPeerTransport<Message> implements Transport<Message> {
  send(_to: NodeId, _message: Message): void {
    // Nobody to deliver to: dropped.
  }

  onReceive(_receiver: (from: NodeId, message: Message) => void): void {
    // Nothing ever arrives.
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
