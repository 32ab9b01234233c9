import { describe, expect, it } from 'vitest';
import { parseShardIds, shardHealthPort, spawnGroups } from '../../src/sharding/shard-ids.js';

describe('parseShardIds', () => {
  it('reads ranges, lists and both, sorted and without repeats', () => {
    expect(parseShardIds('0-3')).toEqual({ ids: [0, 1, 2, 3] });
    expect(parseShardIds('4,5,6,7')).toEqual({ ids: [4, 5, 6, 7] });
    expect(parseShardIds(' 6, 0-1 ,1 ')).toEqual({ ids: [0, 1, 6] });
  });

  it('says what is wrong with anything else', () => {
    expect(parseShardIds('3-1')).toEqual({ problem: 'the range 3-1 runs backwards' });
    expect(parseShardIds('a,b')).toEqual({ problem: 'must be shard ids like 0-3 or 4,5,6,7 (got "a")' });
    expect(parseShardIds(' , ')).toEqual({ problem: 'lists no shard' });
  });
});

describe('spawnGroups', () => {
  it('starts one shard per identify bucket at a time', () => {
    expect(spawnGroups([0, 1, 2, 3], 1)).toEqual([[0], [1], [2], [3]]);
    expect(spawnGroups([0, 1, 2, 3, 4, 5], 4)).toEqual([[0, 1, 2, 3], [4, 5]]);
    // Shards 4–7 of 16 with max_concurrency 2: buckets 0 and 1 each hold two.
    expect(spawnGroups([4, 5, 6, 7], 2)).toEqual([[4, 5], [6, 7]]);
    expect(spawnGroups([1, 3, 5], 16)).toEqual([[1, 3, 5]]);
  });
});

describe('shardHealthPort', () => {
  it('gives each shard process of a machine its own port, from HEALTH_PORT up', () => {
    expect(shardHealthPort(9100, 0, undefined)).toBe(9100);
    expect(shardHealthPort(9100, 3, undefined)).toBe(9103);
    expect(shardHealthPort(9100, 4, [4, 5, 6, 7])).toBe(9100);
    expect(shardHealthPort(9100, 6, [4, 5, 6, 7])).toBe(9102);
  });
});
