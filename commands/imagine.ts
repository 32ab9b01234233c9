import { SlashCommandBuilder } from 'discord.js';
import type { ImageModelInfo } from '../src/openrouter/image-models.js';
import type { ModelInfo } from '../src/openrouter/models.js';
import { aspectRatiosFor, MAX_COUNT, parseAspectRatio, QUALITIES, RESOLUTIONS, type ImagineOptions, type Quality, type Resolution } from '../src/imagine/options.js';
import { imageModelChoices, routeImageModel } from '../src/imagine/route.js';
import { placeOf } from '../src/place.js';
import { runImage } from '../src/run-image.js';
import { commandTurn, requestOverrides, type SlashCommand } from '../src/slash-command.js';

/** Seeds most providers take: an unsigned 32-bit integer. */
const MAX_SEED = 2 ** 32 - 1;

export const imagine: SlashCommand = {
  data: new SlashCommandBuilder()
    .setName('imagine')
    .setDescription('Make images from a prompt, or change one you attach')
    .addStringOption((o) => o.setName('prompt').setDescription('What to draw, or what to change').setRequired(true).setMaxLength(4000))
    .addAttachmentOption((o) => o.setName('image').setDescription('An image to start from (PNG, JPEG, WebP or GIF)'))
    .addStringOption((o) => o.setName('aspect_ratio').setDescription('Shape of the image, e.g. 16:9 (the list shows what the model takes)').setAutocomplete(true).setMaxLength(10))
    .addStringOption((o) => o.setName('model').setDescription('Image model (default: the channel’s image model); the list marks chat and image API models').setAutocomplete(true).setMaxLength(100))
    .addIntegerOption((o) => o.setName('count').setDescription(`How many images, 1–${MAX_COUNT}`).setMinValue(1).setMaxValue(MAX_COUNT))
    .addIntegerOption((o) => o.setName('seed').setDescription('Same seed, same prompt and options: the same image (where the model takes a seed)').setMinValue(0).setMaxValue(MAX_SEED))
    .addStringOption((o) =>
      o
        .setName('resolution')
        .setDescription('Size tier of the long side')
        .addChoices(...RESOLUTIONS.map((r) => ({ name: r, value: r }))),
    )
    .addStringOption((o) =>
      o
        .setName('quality')
        .setDescription('Rendering quality (image API models that have the knob)')
        .addChoices(...QUALITIES.map((q) => ({ name: q, value: q }))),
    )
    .addBooleanOption((o) => o.setName('transparent').setDescription('Transparent background (PNG or WebP; image API models that can)'))
    .toJSON(),

  async execute(interaction, ctx) {
    // Bad values are refused before the public defer, so only the asker sees the refusal.
    const aspectRatio = interaction.options.getString('aspect_ratio');
    const options: ImagineOptions = {
      count: interaction.options.getInteger('count') ?? 1,
      seed: interaction.options.getInteger('seed') ?? undefined,
      resolution: (interaction.options.getString('resolution') as Resolution | null) ?? undefined,
      quality: (interaction.options.getString('quality') as Quality | null) ?? undefined,
      transparent: interaction.options.getBoolean('transparent') ?? undefined,
      aspectRatio: aspectRatio ? parseAspectRatio(aspectRatio) : undefined,
    };
    const overrides = requestOverrides(interaction, { model: 'image_model' }, ctx.config.maxAnswerTokens);
    await interaction.deferReply();
    const turn = await commandTurn(interaction, ctx, 'image', overrides);
    await runImage(ctx, { ...turn, options });
  },

  async autocomplete(interaction, ctx) {
    const focused = interaction.options.getFocused(true);
    const [chatModels, imageModels] = await Promise.all([ctx.catalog.list(), ctx.imageCatalog.list()]);
    if (focused.name === 'model') return interaction.respond(imageModelChoices(chatModels, imageModels, focused.value));
    const id = interaction.options.getString('model') || ((await ctx.settings.effective(placeOf(interaction))).image_model.value ?? ctx.config.imageModel);
    const ratios = ratiosFor(id, chatModels, imageModels, focused.value);
    await interaction.respond(ratios.slice(0, 25).map((r) => ({ name: r, value: r })));
  },
};

/** The aspect ratios the model chosen so far (or the channel's) takes, matching what was typed. */
function ratiosFor(id: string, chatModels: readonly ModelInfo[], imageModels: readonly ImageModelInfo[], typed: string): string[] {
  let ratios: string[];
  try {
    ratios = aspectRatiosFor(routeImageModel(id, chatModels, imageModels));
  } catch {
    // Not an image model: the command itself will say so.
    ratios = aspectRatiosFor({ kind: 'image-api', model: undefined });
  }
  const q = typed.trim();
  return [...ratios.filter((r) => r.startsWith(q)), ...ratios.filter((r) => !r.startsWith(q) && r.includes(q))];
}
