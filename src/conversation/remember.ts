import type { IncomingAttachment, ReadAttachment } from '../attachments.js';
import { forMemory, sha256 } from '../images.js';
import type { ChannelHistory } from './history.js';
import type { MadeImages } from './made-images.js';
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
}

/**
 * Stores the exchange: both turns as text, and the images seen and made for later turns. The
 * answer's reasoning is not part of it: models are sent what was said, not what was thought.
 */
export async function remember(history: ChannelHistory, { channelId, author, prompt, incoming, attachments, answer, made }: Exchange): Promise<void> {
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
  const userTurn: Turn = {
    role: 'user',
    author: author.name,
    content: [prompt, ...attachments.map((a) => a.summary)].join('\n\n'),
    ...(seen.length ? { images: seen } : {}),
    at: Date.now(),
  };
  const assistantTurn: Turn = {
    role: 'assistant',
    model: answer.model,
    content: [answer.text, ...generated.map((g) => `[generated image: ${g.name}]`), ...(answer.interrupted ? ['[answer interrupted]'] : [])]
      .filter(Boolean)
      .join('\n\n'),
    ...(generated.length ? { images: generated } : {}),
    at: Date.now(),
  };
  await history.append(channelId, [userTurn, assistantTurn]);
}
