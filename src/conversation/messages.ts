import type { ChatContentItems } from '@openrouter/sdk/models';
import { toDataUrl } from '../images.js';
import type { ModelInfo } from '../openrouter/models.js';
import type { ChatMessage } from '../openrouter/stream.js';
import type { ChannelHistory } from './history.js';
import type { Question } from './question.js';
import { estimateTokens, historyBudget, trimToBudget, type ImageRef } from './turns.js';

/** How many of the conversation's newest images go with each request as inputs. */
export const RECENT_IMAGE_INPUTS = 2;
/** What an input image is counted as, for budgets of tokens and of dollars alike. */
export const IMAGE_TOKENS_ESTIMATE = 1_000;

export interface MessagesInput {
  channelId: string;
  systemPrompt: string;
  /** The operator's cap on history sent (HISTORY_MAX_TOKENS). */
  historyMaxTokens: number;
}

/** The request's messages: the system prompt, the channel's history that fits, and the question with its files. */
export async function buildMessages(history: ChannelHistory, input: MessagesInput, model: ModelInfo | undefined, question: Question): Promise<ChatMessage[]> {
  const snapshot = await history.snapshot(input.channelId);
  const recent = question.recentImages ? await recentImages(history, input.channelId, snapshot.images, question.attached, model) : [];
  const parts: ChatContentItems[] = [...question.parts, ...recent];
  const fixed =
    estimateTokens(input.systemPrompt) +
    estimateTokens(question.text) +
    parts.reduce((n, p) => n + (p.type === 'text' ? estimateTokens(p.text) : IMAGE_TOKENS_ESTIMATE), 0);
  const budget = historyBudget({
    maxHistoryTokens: input.historyMaxTokens,
    contextLength: model?.contextLength,
    maxCompletionTokens: model?.maxCompletionTokens,
    fixedTokens: fixed,
  });
  const past = trimToBudget(await snapshot.load(budget, question.window), budget);
  return [
    { role: 'system', content: input.systemPrompt },
    ...past.map((turn): ChatMessage =>
      turn.role === 'user'
        ? { role: 'user', content: turn.author ? `${turn.author}: ${turn.content}` : turn.content }
        : { role: 'assistant', content: turn.content },
    ),
    { role: 'user', content: parts.length ? [{ type: 'text', text: question.text }, ...parts] : question.text },
  ];
}

/** The bot's own count of a request's prompt tokens, for when OpenRouter never reports them. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  let tokens = 0;
  for (const message of messages) {
    const content: unknown = message.content;
    if (typeof content === 'string') tokens += estimateTokens(content);
    else if (Array.isArray(content)) {
      for (const part of content as { type: string; text?: string }[]) tokens += part.type === 'text' ? estimateTokens(part.text ?? '') : IMAGE_TOKENS_ESTIMATE;
    }
  }
  return tokens;
}

/**
 * The conversation's newest images, as inputs with a label saying where each came from, so that
 * "make it winter" can refer to the image made a turn ago. Images already part of the question
 * (a reply to one of them) are not sent twice.
 */
async function recentImages(history: ChannelHistory, channelId: string, kept: readonly ImageRef[], attached: Set<string>, model: ModelInfo | undefined): Promise<ChatContentItems[]> {
  if (model && !model.input.includes('image')) return [];
  const refs = kept.filter((ref) => !attached.has(ref.sha)).slice(-RECENT_IMAGE_INPUTS);
  const parts: ChatContentItems[] = [];
  for (const ref of refs) {
    const image = await history.loadImage(channelId, ref.id);
    if (!image) continue;
    const label = ref.origin === 'generated' ? `an image you made earlier (${ref.name})` : `an image shared earlier (${ref.name})`;
    parts.push({ type: 'text', text: `[Earlier in this conversation: ${label}]` }, { type: 'image_url', imageUrl: { url: toDataUrl(image) } });
  }
  return parts;
}
