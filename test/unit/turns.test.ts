import { describe, expect, it } from 'vitest';
import { estimateTokens, historyBudget, trimToBudget, type Turn } from '../../src/conversation/turns.js';

const turn = (role: Turn['role'], content: string): Turn => ({ role, content, at: 0 });

describe('trimToBudget', () => {
  const turns = [turn('user', 'a'.repeat(400)), turn('assistant', 'b'.repeat(400)), turn('user', 'c'.repeat(400)), turn('assistant', 'd'.repeat(400))];

  it('keeps everything when it fits', () => {
    expect(trimToBudget(turns, 10_000)).toEqual(turns);
  });

  it('drops the oldest turns first and keeps whole turns', () => {
    const kept = trimToBudget(turns, estimateTokens('x'.repeat(400)) * 2);
    expect(kept.map((t) => t.content[0])).toEqual(['c', 'd']);
  });

  it('never starts with an assistant turn', () => {
    const kept = trimToBudget(turns, estimateTokens('x'.repeat(400)) * 3);
    expect(kept[0]!.role).toBe('user');
    expect(kept.map((t) => t.content[0])).toEqual(['c', 'd']);
  });

  it('returns nothing for a zero budget', () => {
    expect(trimToBudget(turns, 0)).toEqual([]);
  });
});

describe('historyBudget', () => {
  it('is the operator cap when the model is unknown', () => {
    expect(historyBudget({ maxHistoryTokens: 5000, fixedTokens: 100 })).toBe(5000);
  });

  it('leaves room for the answer and the new message in a small context', () => {
    expect(historyBudget({ maxHistoryTokens: 50_000, contextLength: 8000, maxCompletionTokens: 4000, fixedTokens: 1000 })).toBe(8000 - 2000 - 1000);
  });

  it('never goes negative', () => {
    expect(historyBudget({ maxHistoryTokens: 50_000, contextLength: 1000, fixedTokens: 5000 })).toBe(0);
  });
});
