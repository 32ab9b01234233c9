import type { OpenRouter } from '@openrouter/sdk';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import type { ReplySurface } from '../discord/surface.js';
import { fromDataUrl } from '../images.js';
import type { Logger } from '../logger.js';
import { RequestFailed } from '../openrouter/call.js';
import { explainInterruption, explainRequestFailure } from '../openrouter/errors.js';
import type { ImageModelCatalog } from '../openrouter/image-models.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { streamChat, type ChatMessage, type StreamHandlers, type StreamOutcome } from '../openrouter/stream.js';
import { chatParameters } from '../settings/chat-parameters.js';
import type { PartialSettings } from '../settings/definitions.js';
import { fillPlaceholders } from '../settings/placeholders.js';
import { valuesOf, type EffectiveSettings } from '../settings/resolve.js';
import { formatFooter, unsupportedNote } from './footer.js';
import type { ChannelHistory } from './history.js';
import { prepareImages } from './made-images.js';
import { buildMessages } from './messages.js';
import type { ReasoningArchive } from './reasoning-archive.js';
import { remember, type Exchange } from './remember.js';
import { TurnReply } from './reply.js';
import { checkCaps, checkModelAccepts, resolveModel } from './request-checks.js';

export interface ConversationServices {
  config: Config;
  logger: Logger;
  openrouter: OpenRouter;
  catalog: ModelCatalog;
  imageCatalog: ImageModelCatalog;
  history: ChannelHistory;
  reasoning: ReasoningArchive;
  attachmentPolicy: AttachmentPolicy;
}

/** What every request from Discord carries: who asks what, where, with which settings. */
export interface RequestInput {
  channelId: string;
  author: { id: string; name: string };
  prompt: string;
  attachments: IncomingAttachment[];
  /** The place's effective settings, with this request's own options on top. */
  settings: EffectiveSettings;
  /** Filled into the system prompt's `{channel}` and `{server}`. */
  names: { channel: string; server: string | undefined };
  /** Largest file Discord accepts here (the interaction's attachment_size_limit). */
  uploadLimit?: number | undefined;
}

export interface TurnInput extends RequestInput {
  surface: ReplySurface;
  signal?: AbortSignal;
  /** Components shown under the answer while it streams (see the renderer). */
  controls?: object[];
  /** Components for the finished answer, given what came of it. */
  finalControls?: (result: TurnResult) => Promise<object[]>;
  /** Footer remarks decided before the turn (why the answer isn't in a thread). */
  notes?: string[];
}

/** What a finished turn hands to whoever builds its buttons. */
export interface TurnResult {
  outcome: StreamOutcome;
  modelId: string;
  showReasoning: boolean;
}

/**
 * One exchange in a channel (/ask, a mention; /imagine is imagine/turn.ts): check the request, send the channel's history and the new message
 * to the model with the place's settings, stream the answer into Discord, and store both turns.
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<void> {
  const { config } = services;
  const values = valuesOf(input.settings);
  const modelId = values.model ?? config.chatModel;
  const showReasoning = values.show_reasoning ?? false;
  const reply = new TurnReply(services.logger, input, { mode: 'chat', modelId, showReasoning });
  const { log, renderer } = reply;
  try {
    const checked = await reply.checked(async () => {
      checkCaps(config, input);
      const model = await resolveModel(services.catalog, modelId);
      const attachments = await readAttachments(services, input.attachments, reply.signal);
      checkModelAccepts(model, attachments);
      return { model, attachments };
    });
    if (!checked) return;
    const { model, attachments } = checked;

    const { parameters, unsupported } = chatParameters(values, model?.supportedParameters, config.maxAnswerTokens);
    const messages = await conversationMessages(services, input, values, model, attachments);
    // A model that can draw may answer with images (edits by reply): ask for them.
    const wantsImages = model?.output.includes('image') ?? false;
    let outcome: StreamOutcome;
    try {
      outcome = await streamChat(
        services.openrouter,
        {
          model: modelId,
          messages,
          ...parameters,
          ...(wantsImages ? { modalities: model && !model.output.includes('text') ? ['image'] : ['image', 'text'] } : {}),
        },
        streamingInto(reply),
        { idleTimeoutMs: config.streamIdleTimeoutMs, signal: reply.signal },
      );
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      return await reply.failed(error, explainRequestFailure(error.cause, modelId));
    }

    const notices: string[] = [];
    if (outcome.interruption) notices.push(explainInterruption(outcome.interruption));
    const made = await prepareImages(outcome.images.map(fromDataUrl), input.uploadLimit);
    notices.push(...made.notes);
    const answer = { text: outcome.text, interrupted: Boolean(outcome.interruption), model: outcome.model ?? modelId };
    notices.push(...(await rememberExchange(services, log, { ...input, attachments, incoming: input.attachments, answer, made })));

    const components = await reply.buttons(input.finalControls && (() => input.finalControls!({ outcome, modelId, showReasoning })));
    const notes = [...(input.notes ?? []), unsupportedNote(unsupported)].filter((n): n is string => Boolean(n));
    const shown = await reply.show({
      footer: formatFooter(outcome.model ?? modelId, outcome.usage, { thinkingMs: outcome.thinkingMs, notes }),
      files: made.files,
      components,
      ...(notices.length ? { notice: notices.join('\n') } : {}),
    });

    log.info(
      {
        ttftMs: outcome.firstTokenMs === undefined ? undefined : Math.round(outcome.firstTokenMs),
        thinkingMs: outcome.thinkingMs === undefined ? undefined : Math.round(outcome.thinkingMs),
        totalMs: Math.round(performance.now() - reply.started),
        promptTokens: outcome.usage?.promptTokens,
        completionTokens: outcome.usage?.completionTokens,
        reasoningTokens: outcome.usage?.reasoningTokens,
        cost: outcome.usage?.cost,
        images: made.files.length,
        messages: renderer.messages.length,
        interruption: outcome.interruption?.kind,
        unsupported: unsupported.length ? unsupported : undefined,
        shown,
        generation: outcome.generationId,
      },
      'answered',
    );
  } finally {
    reply.dispose();
  }
}

/** The attachments downloaded and checked, in order; a bad one refuses the request (UserError). */
export function readAttachments(services: ConversationServices, incoming: IncomingAttachment[], signal: AbortSignal): Promise<ReadAttachment[]> {
  return Promise.all(incoming.map((att) => readAttachment(att, { ...services.attachmentPolicy, signal })));
}

/** The request's messages: the place's system prompt filled in, the channel's history that fits, the new message. */
export function conversationMessages(
  services: ConversationServices,
  input: Pick<TurnInput, 'channelId' | 'author' | 'prompt' | 'names'>,
  values: PartialSettings,
  model: ModelInfo | undefined,
  attachments: ReadAttachment[],
): Promise<ChatMessage[]> {
  const { config } = services;
  const systemPrompt = fillPlaceholders(values.system_prompt ?? config.systemPrompt, {
    user: input.author.name,
    channel: input.names.channel,
    server: input.names.server,
    now: new Date(),
  });
  return buildMessages(
    services.history,
    { channelId: input.channelId, author: input.author, prompt: input.prompt, systemPrompt, historyMaxTokens: config.historyMaxTokens },
    model,
    attachments,
  );
}

/** A chat answer streaming into the reply: text into the message, reasoning into the progress line. */
export function streamingInto(reply: TurnReply): StreamHandlers {
  return {
    onText: (delta) => {
      reply.progress.onAnswer();
      reply.renderer.append(delta);
    },
    onReasoning: (delta) => {
      reply.progress.onReasoning(delta);
      if (reply.progress.live) reply.renderer.refresh();
    },
  };
}

/** Stores the exchange; what to tell the user when that failed. */
export async function rememberExchange(services: ConversationServices, log: Logger, exchange: Exchange): Promise<string[]> {
  if (exchange.answer.text === '' && exchange.made.files.length === 0) return [];
  try {
    await remember(services.history, exchange);
    return [];
  } catch (err) {
    log.error({ err }, 'could not store the conversation');
    return ['⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.'];
  }
}
