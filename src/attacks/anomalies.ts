/**
 * Counters of the unusual events an attack handled (a random oracle can contradict itself):
 * `AttackContext.anomalies` and the sums over many runs. The one place they are counted.
 */

/** Counts one `event` in an attack run's context. */
export function countAnomaly(context: { readonly anomalies: Record<string, number> }, event: string): void {
  context.anomalies[event] = (context.anomalies[event] ?? 0) + 1;
}

/** The counts of several runs summed per event. */
export function sumAnomalies(runs: Iterable<Readonly<Record<string, number>>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const counts of runs) for (const [event, n] of Object.entries(counts)) total[event] = (total[event] ?? 0) + n;
  return total;
}
