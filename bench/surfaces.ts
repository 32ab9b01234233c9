/**
 * The ways a reader gets a streamed answer (/ask, a mention, each running into follow-ups, and /ask
 * continuing in the channel once its interaction expired), and how the benchmark finds the
 * messages that show it and the requests it cost, from the fake Discord's records.
 */
import type { FakeMessage, RecordedRequest } from '../test/fakes/discord.js';
import type { Contender } from './contenders.js';

export type SurfaceName = 'ask' | 'ask-followups' | 'mention' | 'mention-followups' | 'fallback';

export const SURFACE_LABEL: Record<SurfaceName, string> = {
  ask: '/ask',
  'ask-followups': '/ask, into a follow-up',
  mention: 'mention',
  'mention-followups': 'mention, into a follow-up',
  fallback: '/ask, expired: continued in the channel',
};

/** Answers on these surfaces run past one message (the scenario's text is long enough). */
export const LONG_SURFACES: ReadonlySet<SurfaceName> = new Set(['ask-followups', 'mention-followups']);

export interface Asked {
  /** The messages showing the answer, in posting order. */
  messages(): FakeMessage[];
  /** The requests this answer made. */
  requests(): RecordedRequest[];
  /** Every request spent from the buckets the answer uses, by it or by answers sharing them. */
  bucket(): RecordedRequest[];
  /** Stops the answer changing (its interaction expires); an answer in channel messages runs on. */
  cutOff(): void;
}

export interface AskOptions {
  channel: number;
  reader: number;
  tag: string;
  prompt: string;
  /** The text the model will send. */
  answer: string;
}

export async function askOn(surface: SurfaceName, c: Contender, o: AskOptions): Promise<Asked> {
  if (surface === 'mention' || surface === 'mention-followups') return mention(c, o);
  const interaction = await c.ask(o.channel, o.tag, o.prompt, o.reader);
  const byToken = () => c.discord.requests.filter((r) => r.path.includes(interaction.token));
  const slash: Asked = { messages: () => interaction.all(), requests: byToken, bucket: byToken, cutOff: () => c.discord.expireInteractionToken(interaction.id) };
  if (surface !== 'fallback') return slash;
  // As if the answer reached its 15th minute as soon as it showed its first words.
  const opening = o.answer.slice(0, 20);
  const original = await c.discord.waitFor(() => (interaction.original()?.content.includes(opening) ? interaction.original() : undefined), { timeoutMs: 30_000, what: 'first words' });
  c.discord.expireInteractionToken(interaction.id);
  const channelId = c.channels[o.channel]!;
  const continuation = () => botMessagesAfter(c, channelId, original.id).filter((m) => !m.interaction_token);
  const inChannel = () => channelRequests(c, channelId).filter((r) => r.at >= original.createdAt);
  return { messages: () => [original, ...continuation()], requests: () => [...byToken(), ...inChannel()], bucket: inChannel, cutOff: () => undefined };
}

function mention(c: Contender, o: AskOptions): Asked {
  const channelId = c.channels[o.channel]!;
  const trigger = c.mention(o.channel, o.tag, o.prompt, o.reader);
  const messages = () => {
    const after = botMessagesAfter(c, channelId, trigger.id);
    const first = after.findIndex((m) => m.message_reference?.message_id === trigger.id);
    if (first < 0) return [];
    // Its follow-ups are the bot's next messages that reply to no one (the scenarios with
    // follow-ups have one answer per channel; another answer's first message is a reply).
    const rest = after.slice(first + 1);
    const end = rest.findIndex((m) => m.message_reference);
    return [after[first]!, ...(end < 0 ? rest : rest.slice(0, end))];
  };
  const bucket = () => channelRequests(c, channelId);
  const requests = () => {
    const ids = new Set(messages().map((m) => m.id));
    return bucket().filter((r) => ids.has(r.path.split('/').at(-1)!) || ids.has((r.response as { id?: string } | undefined)?.id ?? ''));
  };
  return { messages, requests, bucket, cutOff: () => undefined };
}

function botMessagesAfter(c: Contender, channelId: string, id: string): FakeMessage[] {
  return c.discord.messages(channelId).filter((m) => m.author.id === c.discord.botUser.id && BigInt(m.id) > BigInt(id));
}

function channelRequests(c: Contender, channelId: string): RecordedRequest[] {
  const prefix = `/channels/${channelId}/messages`;
  return c.discord.requests.filter((r) => r.path.startsWith(prefix));
}
