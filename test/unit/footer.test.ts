import { describe, expect, it } from 'vitest';
import { formatCost, formatFooter } from '../../src/conversation/footer.js';

describe('footer', () => {
  it('shows model, tokens and cost as a subtext line', () => {
    expect(formatFooter('openai/gpt-5', { promptTokens: 1200, completionTokens: 34, totalTokens: 1234, cost: 0.00123 })).toBe(
      '-# openai/gpt-5 · 1,234 tokens (1,200 in, 34 out) · $0.00123',
    );
  });

  it('shows the seed of the answer’s images after the model', () => {
    expect(formatFooter('openai/gpt-5-image', { promptTokens: 10, completionTokens: 5, totalTokens: 15, cost: 0.5 }, { seed: 42 })).toBe('-# openai/gpt-5-image · seed 42 · 15 tokens (10 in, 5 out) · $0.5000');
  });

  it('shows only the model when OpenRouter reported no usage', () => {
    expect(formatFooter('x/y', undefined)).toBe('-# x/y');
  });

  it('formats small and large costs readably', () => {
    expect(formatCost(0)).toBe('$0');
    expect(formatCost(0.000001)).toBe('<$0.00001');
    expect(formatCost(0.5)).toBe('$0.5000');
    expect(formatCost(12.345)).toBe('$12.35');
  });
});
