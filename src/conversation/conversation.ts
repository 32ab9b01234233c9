import type { OpenRouter } from '@openrouter/sdk';
import type { ChatContentItems } from '@openrouter/sdk/models';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import { StreamRenderer } from '../discord/renderer.js';
import type { OutgoingFile, ReplySurface } from '../discord/surface.js';
import type { Logger } from '../logger.js';
import { explainInterruption, explainRequestFailure } from '../openrouter/errors.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { RequestFailed, streamChat, type ChatMessage, type StreamOutcome } from '../openrouter/stream.js';
import { UserError } from '../user-error.js';
import { formatFooter } from './footer.js';
import type { ChannelHistory } from './history.js';
import { estimateTokens, historyBudget, trimToBudget, type Turn } from './turns.js';

export interface ConversationServices {
  config: Config;
  logger: Logger;
  openrouter: OpenRouter;
  catalog: ModelCatalog;
  history: ChannelHistory;
  attachmentPolicy: AttachmentPolicy;
}

export interface TurnInput {
  channelId: string;
  author: { id: string; name: string };
  prompt: string;
  attachments: IncomingAttachment[];
  /** The model asked for; the configured default otherwise. */
  model?: string | undefined;
  surface: ReplySurface;
  signal?: AbortSignal;
}

/**
 * One exchange in a channel: read the attachments, send the channel's history and the new message
 * to the model, stream the answer into Discord, and store both turns.
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<void> {
  const { config, logger, history } = services;
  const started = performance.now();
  const modelId = input.model?.trim() || config.chatModel;
  const log = logger.child({ channel: input.channelId, user: input.author.id, model: modelId });
  // When Discord refuses an update (the reply was deleted, the token expired), nobody can see the
  // answer any more: stop paying for it.
  const stop = new AbortController();
  input.signal?.addEventListener('abort', () => stop.abort(input.signal?.reason), { once: true });
  const renderer = new StreamRenderer(input.surface, {
    onError: (err) => {
      log.warn({ err }, 'discord rejected an update; stopping the answer');
      stop.abort('reply unavailable');
    },
  });
  const show = (options: Parameters<StreamRenderer['finish']>[0]) =>
    renderer.finish(options).then(
      () => true,
      (err: unknown) => {
        log.warn({ err }, 'the answer could not be shown in Discord');
        return false;
      },
    );

  let model: ModelInfo | undefined;
  let attachments: ReadAttachment[];
  try {
    model = await resolveModel(services.catalog, modelId);
    attachments = await Promise.all(
      input.attachments.map((att) => readAttachment(att, { ...services.attachmentPolicy, signal: stop.signal })),
    );
    checkModelAccepts(model, attachments);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    log.info({ reason: error.message }, 'request refused');
    await show({ notice: `⚠️ ${error.message}` });
    return;
  }

  const userTurn: Turn = {
    role: 'user',
    author: input.author.name,
    content: [input.prompt, ...attachments.map((a) => a.summary)].join('\n\n'),
    at: Date.now(),
  };
  const messages = await buildMessages(services, input, model, attachments);

  let outcome: StreamOutcome;
  try {
    outcome = await streamChat(
      services.openrouter,
      { model: modelId, messages, ...(model?.output.includes('image') ? { modalities: imageModalities(model) } : {}) },
      { onText: (delta) => renderer.append(delta) },
      { idleTimeoutMs: config.streamIdleTimeoutMs, signal: stop.signal },
    );
  } catch (error) {
    if (!(error instanceof RequestFailed)) throw error;
    log.warn({ err: error.cause }, 'openrouter request failed');
    await show({ notice: `⚠️ ${explainRequestFailure(error.cause, modelId)}` });
    return;
  }

  const answered = outcome.text !== '' || outcome.images.length > 0;
  const notices: string[] = [];
  if (outcome.interruption) notices.push(explainInterruption(outcome.interruption));
  if (answered) {
    const assistantTurn: Turn = {
      role: 'assistant',
      model: outcome.model ?? modelId,
      content: [
        outcome.text,
        ...outcome.images.map((_, i) => `[generated image ${i + 1}]`),
        ...(outcome.interruption ? ['[answer interrupted]'] : []),
      ].filter(Boolean).join('\n\n'),
      at: Date.now(),
    };
    try {
      await history.append(input.channelId, [userTurn, assistantTurn]);
    } catch (err) {
      log.error({ err }, 'could not store the conversation');
      notices.push('⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.');
    }
  }

  const files = outcome.images.flatMap((url, i) => decodeImage(url, `image-${i + 1}`) ?? []);
  const shown = await show({
    footer: formatFooter(outcome.model ?? modelId, outcome.usage),
    files,
    ...(notices.length ? { notice: notices.join('\n') } : {}),
  });

  log.info(
    {
      ttftMs: outcome.firstTokenMs === undefined ? undefined : Math.round(outcome.firstTokenMs),
      totalMs: Math.round(performance.now() - started),
      promptTokens: outcome.usage?.promptTokens,
      completionTokens: outcome.usage?.completionTokens,
      cost: outcome.usage?.cost,
      images: outcome.images.length,
      messages: renderer.messages.length,
      interruption: outcome.interruption?.kind,
      shown,
      generation: outcome.generationId,
    },
    'answered',
  );
}

async function resolveModel(catalog: ModelCatalog, id: string): Promise<ModelInfo | undefined> {
  const models = await catalog.list();
  const model = models.find((m) => m.id === id);
  // With no list (OpenRouter's catalogue unreachable) let the request itself decide.
  if (!model && models.length > 0) {
    throw new UserError(`There is no model \`${id}\` on OpenRouter. Pick one from the \`model\` option’s list.`);
  }
  return model;
}

function checkModelAccepts(model: ModelInfo | undefined, attachments: ReadAttachment[]): void {
  if (!model) return;
  if (attachments.some((a) => a.kind === 'image') && !model.input.includes('image')) {
    throw new UserError(`\`${model.id}\` can’t see images. Pick a model that takes image input, or leave the image out.`);
  }
}

function imageModalities(model: ModelInfo): ('text' | 'image')[] {
  return model.output.includes('text') ? ['image', 'text'] : ['image'];
}

async function buildMessages(
  { config, history }: ConversationServices,
  input: TurnInput,
  model: ModelInfo | undefined,
  attachments: ReadAttachment[],
): Promise<ChatMessage[]> {
  const text = `${input.author.name}: ${input.prompt}`;
  const fixed = estimateTokens(config.systemPrompt) + estimateTokens(text) + attachments.reduce((n, a) => n + (a.kind === 'text' ? estimateTokens(a.summary) : 1_000), 0);
  const budget = historyBudget({
    maxHistoryTokens: config.historyMaxTokens,
    contextLength: model?.contextLength,
    maxCompletionTokens: model?.maxCompletionTokens,
    fixedTokens: fixed,
  });
  const past = trimToBudget(await history.load(input.channelId), budget);
  const content: string | ChatContentItems[] = attachments.length
    ? [{ type: 'text', text }, ...attachments.map((a) => a.part)]
    : text;
  return [
    { role: 'system', content: config.systemPrompt },
    ...past.map((turn): ChatMessage =>
      turn.role === 'user'
        ? { role: 'user', content: turn.author ? `${turn.author}: ${turn.content}` : turn.content }
        : { role: 'assistant', content: turn.content },
    ),
    { role: 'user', content },
  ];
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

function decodeImage(dataUrl: string, baseName: string): OutgoingFile | undefined {
  const match = /^data:(image\/[\w+.-]+);base64,(.*)$/s.exec(dataUrl);
  if (!match) return undefined;
  return { name: `${baseName}.${EXTENSIONS[match[1]!] ?? 'png'}`, data: Buffer.from(match[2]!, 'base64') };
}
