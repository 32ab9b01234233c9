/**
 * The two streaming strategies the bot is compared with, as a minimal /ask bot on the same
 * discord.js and @openrouter/sdk (run as its own process by the benchmark, like the bot):
 *
 * - `per-chunk`: await an edit of the reply for every chunk the model sends (the naive loop);
 * - `per-second`: one timer for the whole process edits every running reply once a second, and
 *   the final text goes out on the next tick (what the most-used bot in this field does).
 *
 * Environment: STRATEGY, DISCORD_TOKEN, DISCORD_API_URL, OPENROUTER_API_KEY, OPENROUTER_BASE_URL,
 * CHAT_MODEL.
 */
import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatStreamChunk } from '@openrouter/sdk/models';
import { Client, Events, GatewayIntentBits, type ChatInputCommandInteraction } from 'discord.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const strategy = env('STRATEGY');
if (strategy !== 'per-chunk' && strategy !== 'per-second') throw new Error(`unknown STRATEGY ${strategy}`);
const model = env('CHAT_MODEL');
const openrouter = new OpenRouter({ apiKey: env('OPENROUTER_API_KEY'), serverURL: env('OPENROUTER_BASE_URL') });
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: env('DISCORD_API_URL') } });
const noPings = { parse: [] };

/** Yields the model's text deltas. */
async function* deltas(prompt: string): AsyncGenerator<string> {
  const stream = await openrouter.chat.send({ chatRequest: { model, messages: [{ role: 'user', content: prompt }], stream: true } });
  if (!(stream instanceof EventStream)) throw new Error('expected a stream');
  for await (const chunk of stream as EventStream<ChatStreamChunk>) {
    const delta = chunk.choices[0]?.delta.content;
    if (delta) yield delta;
  }
}

const show = (interaction: ChatInputCommandInteraction, text: string) => interaction.editReply({ content: text.slice(0, 2000), allowedMentions: noPings });

async function perChunk(interaction: ChatInputCommandInteraction, prompt: string): Promise<void> {
  let text = '';
  for await (const delta of deltas(prompt)) {
    text += delta;
    if (text.trim()) await show(interaction, text);
  }
}

interface Running {
  interaction: ChatInputCommandInteraction;
  text: string;
  sent: string;
  done: boolean;
  inFlight: boolean;
}
const running = new Set<Running>();

setInterval(() => {
  for (const reply of running) {
    if (reply.inFlight) continue;
    if (reply.text === reply.sent || !reply.text.trim()) {
      if (reply.done) running.delete(reply);
      continue;
    }
    const text = reply.text;
    reply.inFlight = true;
    show(reply.interaction, text).then(
      () => {
        reply.sent = text;
        reply.inFlight = false;
      },
      () => running.delete(reply),
    );
  }
}, 1000);

async function perSecond(interaction: ChatInputCommandInteraction, prompt: string): Promise<void> {
  const reply: Running = { interaction, text: '', sent: '', done: false, inFlight: false };
  running.add(reply);
  try {
    for await (const delta of deltas(prompt)) reply.text += delta;
  } finally {
    reply.done = true;
  }
}

client.on(Events.InteractionCreate, (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'ask') return;
  const prompt = interaction.options.getString('prompt', true);
  void (async () => {
    await interaction.deferReply();
    await (strategy === 'per-chunk' ? perChunk : perSecond)(interaction, prompt);
  })().catch((err: unknown) => console.error(`[${strategy}] ${String(err)}`));
});

await client.login(env('DISCORD_TOKEN'));
