import type { Usage } from '../openrouter/stream.js';

export function formatCost(cost: number): string {
  if (cost === 0) return '$0';
  if (cost < 0.00001) return '<$0.00001';
  return `$${cost.toFixed(cost < 0.01 ? 5 : cost < 1 ? 4 : 2)}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The subtext line under an answer: model, tokens, and cost as OpenRouter reported it. */
export function formatFooter(model: string, usage: Usage | undefined): string {
  const parts = [model];
  if (usage) {
    parts.push(`${count(usage.totalTokens)} tokens (${count(usage.promptTokens)} in, ${count(usage.completionTokens)} out)`);
    if (usage.cost !== undefined) parts.push(formatCost(usage.cost));
  }
  return `-# ${parts.join(' · ')}`;
}
