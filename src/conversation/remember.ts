import type { IncomingAttachment, ReadAttachment } from '../attachments.js';
import { forMemory, sha256 } from '../images.js';
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
  /** What the model said (the Image API says nothing), whether it was cut off, and which model. */
  answer: { text: string; interrupted: boolean; model: string };
  made: MadeImages;
  /** Set when this turn answers a stored exchange again: the exchange, and its turns. */
  revision?: { revision: Revision; stored: Turn[] } | undefined;
}

/**
 * Stores the exchange: both turns as text, and the images seen and made for later turns; a
 * regenerated answer replaces the stored one, a continued one is added to it. The answer's
 * reasoning is not part of it: models are sent what was said, not what was thought. Resolves with
 * where the exchange is, or undefined when a revised one has gone meanwhile.
 */
export async function remember(history: ChannelHistory, { channelId, author, prompt, incoming, attachments, answer, made, revision }: Exchange): Promise<ExchangeAddress | undefined> {
  const seen: ImageRef[] = [];
  for (const [i, a] of attachments.entries()) {
    if (!a.image || !a.sha) continue;
    seen.push(await history.saveImage(channelId, await forMemory(a.image), { name: incoming[i]!.name, origin: 'user', sha: a.sha }));
  }
  // Scaling several large images down is the slow part: side by side, on sharp's threads.
  const generated: ImageRef[] = await Promise.all(
    made.originals.map(async (original) => {
      const memory = await forMemory({ bytes: original.bytes, mime: original.mime });
      return history.saveImage(channelId, memory, { name: original.file.name, origin: 'generated', sha: sha256(original.file.data) });
    }),
  );
  const answered: Turn = {
    role: 'assistant',
    model: answer.model,
    content: [answer.text, ...generated.map((g) => `[generated image: ${g.name}]`), ...(answer.interrupted ? ['[answer interrupted]'] : [])]
      .filter(Boolean)
      .join('\n\n'),
    ...(generated.length ? { images: generated } : {}),
    at: Date.now(),
  };
  if (revision) {
    const [asked, ...rest] = revision.stored;
    const previous = rest.find((t) => t.role === 'assistant');
    // A continuation picks up mid-sentence: its text joins the cut answer as is.
    const images = [...(previous?.images ?? []), ...(answered.images ?? [])];
    const turn =
      revision.revision.kind === 'continue' && previous
        ? { ...previous, content: previous.content + answered.content, at: answered.at, ...(images.length ? { images } : {}) }
        : answered;
    const replaced = await history.replace(channelId, revision.revision.at, [asked!, turn]);
    return replaced ? revision.revision.at : undefined;
  }
  const asked: Turn = {
    role: 'user',
    author: author.name,
    content: [prompt, ...attachments.map((a) => a.summary)].join('\n\n'),
    ...(seen.length ? { images: seen } : {}),
    at: Date.now(),
  };
  return history.append(channelId, [asked, answered]);
}
