import { describe, expect, it } from 'vitest';
import { sustained, type ScaleRow } from '../../bench/scale.js';

const row = (over: Partial<ScaleRow>): ScaleRow => ({
  shards: 1,
  rate: 40,
  seconds: 8,
  answers: 320,
  unfinished: 0,
  peakStreams: 270,
  lagMsMean: 500,
  floorMs: 500,
  finalMs: [5],
  rateLimited: 0,
  cpuPerShard: 0.5,
  cpuMaxShard: 0.5,
  harnessCpu: 0.9,
  idleRssMb: 180,
  peakRssMb: 260,
  ...over,
});

describe('the scale figure', () => {
  it('counts a rate as sustained only with every answer finished, no 429 and the mean lag within 1.1× the floor', () => {
    expect(sustained(row({}))).toBe(true);
    expect(sustained(row({ lagMsMean: 550 }))).toBe(true);
    expect(sustained(row({ lagMsMean: 551 }))).toBe(false);
    expect(sustained(row({ unfinished: 1 }))).toBe(false);
    expect(sustained(row({ rateLimited: 1 }))).toBe(false);
  });
});
