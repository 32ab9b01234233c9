/** An image the conversation has seen or made; its bytes are kept apart, for the newest few only. */
export interface ImageRef {
  id: string;
  name: string;
  origin: 'user' | 'generated';
  /** SHA-256 of the bytes as they are on Discord, to recognise the same image when it comes back. */
  sha: string;
}

/** One stored message of a channel's conversation: text, plus references to its images. */
export interface Turn {
  role: 'user' | 'assistant';
  content: string;
  images?: ImageRef[];
  /** Who said it (user turns): shown to the model so it can tell people apart. */
  author?: string;
  /** Which model answered (assistant turns). */
  model?: string;
  at: number;
}

/** Rough token count: ~4 characters per token plus per-message overhead. Only used for budgeting. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/** What a stored turn costs of the history budget. */
export function turnCost(turn: Turn): number {
  return estimateTokens(turn.content) + (turn.author ? estimateTokens(turn.author) : 0);
}

/**
 * The newest turns that fit in `budgetTokens`, oldest first. Never starts with an assistant turn
 * (a reply without its question confuses models), and never splits a turn.
 */
export function trimToBudget(turns: readonly Turn[], budgetTokens: number): Turn[] {
  let used = 0;
  let start = turns.length;
  for (let i = turns.length - 1; i >= 0; i--) {
    const cost = turnCost(turns[i]!);
    if (used + cost > budgetTokens) break;
    used += cost;
    start = i;
  }
  while (start < turns.length && turns[start]!.role !== 'user') start++;
  return turns.slice(start);
}

export interface BudgetInput {
  /** The operator's cap (HISTORY_MAX_TOKENS). */
  maxHistoryTokens: number;
  /** The model's context window, when known. */
  contextLength?: number | undefined;
  /** Room the answer needs (the model's max completion tokens, when known). */
  maxCompletionTokens?: number | undefined;
  /** Tokens already taken by the system prompt and the new message. */
  fixedTokens: number;
}

/** How many tokens of history can go with a request so that it fits the model. */
export function historyBudget({ maxHistoryTokens, contextLength, maxCompletionTokens, fixedTokens }: BudgetInput): number {
  if (!contextLength) return maxHistoryTokens;
  const answerRoom = Math.min(maxCompletionTokens ?? 8_192, Math.floor(contextLength / 4));
  return Math.max(0, Math.min(maxHistoryTokens, contextLength - answerRoom - fixedTokens));
}
