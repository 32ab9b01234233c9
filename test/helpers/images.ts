import type { FakeInteraction } from '../fakes/discord.js';
import type { Harness } from './harness.js';

/** Waits for an /imagine's first preview, then presses the Stop button beside it, as its asker. */
export async function stopAtPreview(h: Harness, i: FakeInteraction): Promise<void> {
  await h.discord.waitFor(() => i.original()?.attachments.some((a) => a.filename === 'preview.webp'), { what: 'preview' });
  const stop = (i.original()!.components as { components: { custom_id: string }[] }[])[0]!.components[0]!;
  await h.discord.component({ messageId: i.original()!.id, customId: stop.custom_id, user: h.discord.user });
}
