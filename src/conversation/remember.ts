import type { IncomingAttachment, ReadAttachment } from '../attachments.js';
import { forMemory, sha256 } from '../images.js';
import type { StreamOutcome } from '../openrouter/stream.js';
import type { ChannelHistory, ExchangeAddress } from './history.js';
import type { MadeImages } from './made-images.js';
import type { Revision } from './question.js';
import type { ImageRef, Turn } from './turns.js';

export interface Exchange {
  channelId: string;
  author: { name: string };
  prompt: string;
  incoming: IncomingAttachment[];
  attachments: ReadAttachment[];
  outcome: StreamOutcome;
  made: MadeImages;
  modelId: string;
  /** Set when this turn answers a stored exchange again: the exchange, and its turns. */
  revision?: { revision: Revision; stored: Turn[] } | undefined;
}

/**
 * Stores the exchange: both turns as text, and the images seen and made for later turns; a
 * regenerated answer replaces the stored one, a continued one is added to it. The answer's
 * reasoning is not part of it: models are sent what was said, not what was thought. Resolves with
 * where the exchange is, or undefined when a revised one has gone meanwhile.
 */
export async function remember(history: ChannelHistory, { channelId, author, prompt, incoming, attachments, outcome, made, modelId, revision }: Exchange): Promise<ExchangeAddress | undefined> {
  const seen: ImageRef[] = [];
  for (const [i, a] of attachments.entries()) {
    if (!a.image || !a.sha) continue;
    seen.push(await history.saveImage(channelId, await forMemory(a.image), { name: incoming[i]!.name, origin: 'user', sha: a.sha }));
  }
  const generated: ImageRef[] = [];
  for (const original of made.originals) {
    const memory = await forMemory({ bytes: original.bytes, mime: original.mime });
    generated.push(await history.saveImage(channelId, memory, { name: original.file.name, origin: 'generated', sha: sha256(original.file.data) }));
  }
  const answer: Turn = {
    role: 'assistant',
    model: outcome.model ?? modelId,
    content: [outcome.text, ...generated.map((g) => `[generated image: ${g.name}]`), ...(outcome.interruption ? ['[answer interrupted]'] : [])]
      .filter(Boolean)
      .join('\n\n'),
    ...(generated.length ? { images: generated } : {}),
    at: Date.now(),
  };
  if (revision) {
    const [asked, ...answered] = revision.stored;
    const previous = answered.find((t) => t.role === 'assistant');
    // A continuation picks up mid-sentence: its text joins the cut answer as is.
    const images = [...(previous?.images ?? []), ...(answer.images ?? [])];
    const turn =
      revision.revision.kind === 'continue' && previous
        ? { ...previous, content: previous.content + answer.content, at: answer.at, ...(images.length ? { images } : {}) }
        : answer;
    const replaced = await history.replace(channelId, revision.revision.at, [asked!, turn]);
    return replaced ? revision.revision.at : undefined;
  }
  const userTurn: Turn = {
    role: 'user',
    author: author.name,
    content: [prompt, ...attachments.map((a) => a.summary)].join('\n\n'),
    ...(seen.length ? { images: seen } : {}),
    at: Date.now(),
  };
  return history.append(channelId, [userTurn, answer]);
}
