// Structured log lines of a replicated node: one JSON object per line on stderr (time, level,
// node, event, fields), and the reason behind each Raft role change, told from the transition.

export type ClusterLog = (event: string, fields: object) => void;

export function jsonLogger(nodeId: string, write: (line: string) => void = (line) => process.stderr.write(line)): ClusterLog {
  return (event, fields) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', node: nodeId, event, ...fields })}\n`);
  };
}

export interface RoleFacts {
  readonly role: string;
  readonly term: number;
  readonly leaderId: string | null;
}

/** Why the node moved from `before` to `after`, in words an operator can act on. */
export function roleChangeReason(before: RoleFacts, after: RoleFacts): string {
  if (after.role === 'leader') return `won the election for term ${after.term}`;
  if (after.role === 'preCandidate' || after.role === 'candidate') {
    const lost = before.leaderId === null ? 'no leader known' : `nothing heard from leader ${before.leaderId}`;
    return after.role === 'preCandidate' ? `${lost} within the election timeout; asking for pre-votes` : `${lost}; pre-vote won, campaigning in term ${after.term}`;
  }
  if (before.role === 'leader') {
    return after.term > before.term ? `saw the higher term ${after.term}; stepping down` : 'lost contact with a quorum or handed leadership over; stepping down';
  }
  if (after.leaderId !== null) return `following leader ${after.leaderId} in term ${after.term}`;
  return after.term > before.term ? `saw the higher term ${after.term}` : 'election did not succeed';
}
