import type { ChatContentItems } from '@openrouter/sdk/models';
import type { ReadAttachment } from '../attachments.js';
import { toDataUrl } from '../images.js';
import type { ChannelHistory, ExchangeAddress, LoadWindow } from './history.js';
import type { Turn } from './turns.js';

/** A new answer to an exchange already in the conversation, or more of its answer. */
export interface Revision {
  kind: 'regenerate' | 'continue';
  at: ExchangeAddress;
}

/** What the request asks, and which part of the conversation it is asked in. */
export interface Question {
  /** The new user message's text. */
  text: string;
  /** Files and images going with it. */
  parts: ChatContentItems[];
  window: LoadWindow;
  /** Images already part of the question (hashes), which the conversation's recent ones skip. */
  attached: Set<string>;
  /** Whether the conversation's newest images go along (a continuation needs none). */
  recentImages: boolean;
}

/** Said to the model instead of a question when an answer was cut off by the length limit. */
export const CONTINUE_INSTRUCTION = 'Continue your previous answer exactly where it stopped, without repeating anything or starting over.';

export function newQuestion(author: { name: string }, prompt: string, attachments: ReadAttachment[]): Question {
  return {
    text: `${author.name}: ${prompt}`,
    parts: attachments.map((a) => a.part),
    window: {},
    attached: new Set(attachments.flatMap((a) => (a.sha ? [a.sha] : []))),
    recentImages: true,
  };
}

/**
 * The stored exchange asked again: its question with the images whose bytes are still kept
 * (regenerate), or the conversation through its answer and a request to go on (continue).
 */
export async function revisedQuestion(history: ChannelHistory, channelId: string, revision: Revision, asked: Turn): Promise<Question> {
  if (revision.kind === 'continue') {
    return { text: CONTINUE_INSTRUCTION, parts: [], window: { through: revision.at }, attached: new Set(), recentImages: false };
  }
  const parts: ChatContentItems[] = [];
  for (const ref of asked.images ?? []) {
    const image = await history.loadImage(channelId, ref.id);
    if (image) parts.push({ type: 'image_url', imageUrl: { url: toDataUrl(image) } });
  }
  return {
    text: asked.author ? `${asked.author}: ${asked.content}` : asked.content,
    parts,
    window: { before: revision.at },
    attached: new Set((asked.images ?? []).map((i) => i.sha)),
    recentImages: true,
  };
}
