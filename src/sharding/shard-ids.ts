/**
 * Shard ids as an operator writes them: `0-3`, `4,5,6,7`, or both (`0-1,6`). Sorted, without
 * repeats; undefined (with the reason) when it isn't such a list.
 */
export function parseShardIds(text: string): { ids: number[] } | { problem: string } {
  const ids = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    const single = /^\d+$/.test(part) ? Number(part) : undefined;
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to) return { problem: `the range ${part} runs backwards` };
      for (let id = from; id <= to; id++) ids.add(id);
    } else if (single !== undefined) {
      ids.add(single);
    } else {
      return { problem: `must be shard ids like 0-3 or 4,5,6,7 (got ${JSON.stringify(part)})` };
    }
  }
  if (ids.size === 0) return { problem: 'lists no shard' };
  return { ids: [...ids].sort((a, b) => a - b) };
}

/**
 * Shards in the order they may connect: groups of `maxConcurrency` whose ids fall in different
 * identify buckets (`id % maxConcurrency`), so each group may start at once and the next one
 * 5 seconds later, as Discord's session start limit asks.
 */
export function spawnGroups(ids: readonly number[], maxConcurrency: number): number[][] {
  const groups: number[][] = [];
  const byBucket = new Map<number, number[]>();
  for (const id of ids) byBucket.set(id % maxConcurrency, [...(byBucket.get(id % maxConcurrency) ?? []), id]);
  for (let round = 0; ; round++) {
    const group = [...byBucket.values()].flatMap((bucket) => (bucket[round] === undefined ? [] : [bucket[round]!]));
    if (group.length === 0) return groups;
    groups.push(group.sort((a, b) => a - b));
  }
}

/**
 * The health port of the process running `shard`: HEALTH_PORT for this machine's first shard, the
 * next port for its second, and so on, so the processes of one machine don't compete for one port.
 */
export function shardHealthPort(base: number, shard: number, ids: readonly number[] | undefined): number {
  const position = ids ? ids.indexOf(shard) : shard;
  return base + Math.max(0, position);
}
