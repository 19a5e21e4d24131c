/**
 * Swift's `best_response`: the answer is the highest status of the first
 * class (1xx, 2xx, 3xx, 4xx) that a quorum of nodes agrees on; without a
 * quorum, 503.
 */
export interface NodeAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

export function bestResponse(answers: NodeAnswer[], quorum: number): NodeAnswer | undefined {
  for (const hundred of [100, 200, 300, 400]) {
    const inClass = answers.filter((a) => a.status >= hundred && a.status < hundred + 100);
    if (inClass.length >= quorum) {
      return inClass.reduce((best, a) => (a.status > best.status ? a : best));
    }
  }
  return undefined;
}

/**
 * Swift's proxy `quorum_size`: (n + 1) // 2 successes make a request a
 * success, so 2 replicas tolerate one failure (as 3 do). The daemons that
 * count replicas themselves (updaters, expirer, replicators) keep Swift's
 * `majority_size`, n // 2 + 1.
 */
export function quorumSize(n: number): number {
  return Math.floor((n + 1) / 2);
}
