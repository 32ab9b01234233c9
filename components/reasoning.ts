import { AttachmentBuilder, ButtonStyle, ComponentType, MessageFlags } from 'discord.js';
import { formatSeconds } from '../src/conversation/footer.js';
import { customId, type ButtonHandler } from './component.js';

const PREFIX = 'reasoning';
/** Room left in a 2,000-character message for the reasoning itself, after its heading. */
const INLINE_MAX_CHARS = 1_800;
const UUID = /^[0-9a-f-]{36}$/;

export function reasoningButton(reasoningId: string) {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Reasoning', emoji: { name: '💭' }, custom_id: customId(PREFIX, reasoningId) };
}

/** Shows an answer's full reasoning privately to whoever asks: inline when short, as a file when long. */
export const reasoning: ButtonHandler<string> = {
  prefix: PREFIX,
  parse: (data) => (UUID.test(data) ? data : undefined),
  async run(interaction, id, ctx) {
    const kept = await ctx.reasoning.load(id);
    const reply = { flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } } as const;
    if (!kept) {
      await interaction.reply({ ...reply, content: `This answer’s reasoning is no longer kept (it is kept for ${Math.round(ctx.config.buttonTtlMs / 3_600_000)} h).` });
      return;
    }
    const heading = `💭 **Reasoning** of \`${kept.model}\`${kept.thinkingMs !== undefined ? ` (thought for ${formatSeconds(kept.thinkingMs)})` : ''}`;
    if (kept.text.length <= INLINE_MAX_CHARS) {
      await interaction.reply({ ...reply, content: `${heading}\n>>> ${kept.text}` });
      return;
    }
    await interaction.reply({
      ...reply,
      content: `${heading}: ${kept.text.length.toLocaleString('en')} characters, attached.`,
      files: [new AttachmentBuilder(Buffer.from(`# Reasoning of ${kept.model}\n\n${kept.text}\n`, 'utf8'), { name: 'reasoning.md' })],
    });
  },
};
