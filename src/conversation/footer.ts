import type { Usage } from '../openrouter/stream.js';

export function formatCost(cost: number): string {
  if (cost === 0) return '$0';
  if (cost < 0.00001) return '<$0.00001';
  return `$${cost.toFixed(cost < 0.01 ? 5 : cost < 1 ? 4 : 2)}`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** Whole seconds, but never "0 s" for a thought that happened. */
export function formatSeconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

export interface FooterExtras {
  /** How long the model thought before answering. */
  thinkingMs?: number | undefined;
  /** Short remarks, one subtext line each (a parameter the model ignored, why there is no thread). */
  notes?: readonly string[];
  /** The seed the answer's images were made with, so they can be made again. */
  seed?: number | undefined;
}

/** The subtext lines under an answer: thinking time, then model, its images' seed, tokens and cost as OpenRouter reported them, then remarks. */
export function formatFooter(model: string, usage: Usage | undefined, { thinkingMs, notes = [], seed }: FooterExtras = {}): string {
  const parts = [model, ...(seed !== undefined ? [`seed ${seed}`] : [])];
  if (usage) {
    const reasoning = usage.reasoningTokens ? ` incl. ${count(usage.reasoningTokens)} reasoning` : '';
    parts.push(`${count(usage.totalTokens)} tokens (${count(usage.promptTokens)} in, ${count(usage.completionTokens)} out${reasoning})`);
    if (usage.cost !== undefined) parts.push(formatCost(usage.cost));
  }
  const lines = [...(thinkingMs !== undefined ? [`💭 thought for ${formatSeconds(thinkingMs)}`] : []), parts.join(' · '), ...notes];
  return lines.map((line) => `-# ${line}`).join('\n');
}

/** The footer remark for settings the model doesn't take. */
export function unsupportedNote(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  return `${names.join(', ')} not supported by this model`;
}
