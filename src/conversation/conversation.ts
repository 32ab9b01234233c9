import type { OpenRouter } from '@openrouter/sdk';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import { StreamRenderer } from '../discord/renderer.js';
import type { PostedMessage, ReplySurface } from '../discord/surface.js';
import type { Logger } from '../logger.js';
import { outcomeOf, type BotMetrics } from '../ops/metrics.js';
import { explainInterruption, explainRequestFailure, failureCode } from '../openrouter/errors.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { RequestFailed, streamChat, type StreamOutcome } from '../openrouter/stream.js';
import { chatParameters } from '../settings/chat-parameters.js';
import { fillPlaceholders } from '../settings/placeholders.js';
import { valuesOf, type EffectiveSettings } from '../settings/resolve.js';
import { UserError } from '../user-error.js';
import type { Turn } from './turns.js';
import { formatFooter, unsupportedNote } from './footer.js';
import type { ChannelHistory, ExchangeAddress } from './history.js';
import { prepareImages } from './made-images.js';
import { buildMessages } from './messages.js';
import { Progress, PROGRESS_TICK_MS } from './progress.js';
import { newQuestion, revisedQuestion, type Revision } from './question.js';
import type { ReasoningArchive } from './reasoning-archive.js';
import { remember } from './remember.js';
import { checkCaps, checkModelAccepts, resolveModel } from './request-checks.js';

export interface ConversationServices {
  config: Config;
  logger: Logger;
  openrouter: OpenRouter;
  catalog: ModelCatalog;
  history: ChannelHistory;
  reasoning: ReasoningArchive;
  attachmentPolicy: AttachmentPolicy;
  metrics: BotMetrics;
}

export interface TurnInput {
  channelId: string;
  author: { id: string; name: string };
  prompt: string;
  attachments: IncomingAttachment[];
  /** The place's effective settings, with this request's own options on top. */
  settings: EffectiveSettings;
  /** Filled into the system prompt's `{channel}` and `{server}`. */
  names: { channel: string; server: string | undefined };
  /** 'image': the answer must be an image (/imagine); 'chat': text, and images when the model makes them. */
  mode?: 'chat' | 'image';
  aspectRatio?: string | undefined;
  /** Largest file Discord accepts here (the interaction's attachment_size_limit). */
  uploadLimit?: number | undefined;
  surface: ReplySurface;
  signal?: AbortSignal;
  /** Components shown under the answer while it streams (see the renderer). */
  controls?: object[];
  /** The buttons of the finished answer, given what came of it. */
  finalControls?: (result: TurnResult) => Promise<FinalControls>;
  /** Footer remarks decided before the turn (why the answer isn't in a thread). */
  notes?: string[];
  /** Answer a stored exchange again (Regenerate), or go on with its answer (Continue). */
  revise?: Revision;
}

/** What a finished turn hands to whoever builds its buttons. */
export interface TurnResult {
  outcome: StreamOutcome;
  modelId: string;
  showReasoning: boolean;
  /** Where the exchange is stored; undefined when it could not be. */
  exchange: ExchangeAddress | undefined;
}

export interface FinalControls {
  components: object[];
  /** Called once the answer has landed, with every message it took. */
  shown?: (messages: PostedMessage[]) => Promise<void>;
}

/** Said when a button's exchange is no longer in the conversation. */
export const NOTHING_TO_REDO = 'There’s nothing to redo: this answer is no longer in the channel’s memory (it was deleted, or the conversation was reset).';

const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/**
 * One exchange in a channel: check the request, send the channel's history and the new message
 * to the model with the place's settings, stream the answer into Discord, and store both turns.
 * Resolves with the messages the answer took.
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<PostedMessage[]> {
  const { config, logger } = services;
  const started = performance.now();
  const mode = input.mode ?? 'chat';
  const values = valuesOf(input.settings);
  const modelId = (mode === 'image' ? values.image_model : values.model) ?? (mode === 'image' ? config.imageModel : config.chatModel);
  const showReasoning = values.show_reasoning ?? false;
  const log = logger.child({ channel: input.channelId, user: input.author.id, model: modelId, mode });
  // When Discord refuses an update (the reply was deleted, the token expired), nobody can see the
  // answer any more: stop paying for it.
  const stop = new AbortController();
  const onCancel = () => stop.abort(input.signal?.reason);
  if (input.signal?.aborted) onCancel();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  const progress = new Progress({ mode, modelId, showReasoning });
  let ticker: NodeJS.Timeout | undefined;
  try {
    const renderer = new StreamRenderer(input.surface, {
      onError: (err) => {
        log.warn({ err }, 'discord rejected an update; stopping the answer');
        stop.abort('reply unavailable');
      },
      ...(input.controls ? { controls: input.controls } : {}),
      status: () => progress.status(),
    });
    // Elapsed time ticks while an image is made or a model thinks; the scheduler decides when it is shown.
    ticker = setInterval(() => (progress.live ? renderer.refresh() : clearInterval(ticker)), PROGRESS_TICK_MS);
    if (mode === 'image') renderer.refresh();
    const show = (options: Parameters<StreamRenderer['finish']>[0]) => {
      clearInterval(ticker);
      return renderer.finish(options).then(
        () => true,
        (err: unknown) => {
          log.warn({ err }, 'the answer could not be shown in Discord');
          return false;
        },
      );
    };

    let model: ModelInfo | undefined;
    let attachments: ReadAttachment[];
    let stored: Turn[] | undefined;
    try {
      checkCaps(config, input);
      model = await resolveModel(services.catalog, modelId);
      if (mode === 'image' && model && !model.output.includes('image')) {
        throw new UserError(`\`${model.id}\` can’t make images. Pick one from the \`model\` option’s list.`);
      }
      if (input.revise) {
        stored = await services.history.exchange(input.channelId, input.revise.at);
        if (stored?.[0]?.role !== 'user') throw new UserError(NOTHING_TO_REDO);
      }
      attachments = await Promise.all(input.attachments.map((att) => readAttachment(att, { ...services.attachmentPolicy, signal: stop.signal })));
      checkModelAccepts(model, attachments);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      log.info({ reason: error.message }, 'request refused');
      services.metrics.answered({ kind: mode, outcome: 'refused', totalMs: performance.now() - started });
      await show({ notice: `⚠️ ${error.message}` });
      return renderer.messages;
    }

    const { parameters, unsupported } = chatParameters(values, model?.supportedParameters, config.maxAnswerTokens);
    const systemPrompt = fillPlaceholders(values.system_prompt ?? config.systemPrompt, {
      user: input.author.name,
      channel: input.names.channel,
      server: input.names.server,
      now: new Date(),
    });
    const question = input.revise && stored ? await revisedQuestion(services.history, input.channelId, input.revise, stored[0]!) : newQuestion(input.author, input.prompt, attachments);
    const messages = await buildMessages(services.history, { channelId: input.channelId, systemPrompt, historyMaxTokens: config.historyMaxTokens }, model, question);
    const wantsImages = model ? model.output.includes('image') : mode === 'image';
    let outcome: StreamOutcome;
    const streamClosed = services.metrics.streamOpened();
    try {
      outcome = await streamChat(
        services.openrouter,
        {
          model: modelId,
          messages,
          ...parameters,
          ...(wantsImages ? { modalities: model && !model.output.includes('text') ? ['image'] : ['image', 'text'] } : {}),
          ...(input.aspectRatio ? { imageConfig: { aspect_ratio: input.aspectRatio } } : {}),
        },
        {
          onText: (delta) => {
            progress.onAnswer();
            renderer.append(delta);
          },
          onReasoning: (delta) => {
            progress.onReasoning(delta);
            if (progress.live) renderer.refresh();
          },
        },
        { idleTimeoutMs: config.streamIdleTimeoutMs, signal: stop.signal },
      );
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      log.warn({ err: error.cause }, 'openrouter request failed');
      services.metrics.openrouterError(failureCode(error.cause));
      services.metrics.answered({ kind: mode, outcome: 'failed', totalMs: performance.now() - started });
      await show({ notice: `⚠️ ${explainRequestFailure(error.cause, modelId)}` });
      return renderer.messages;
    } finally {
      streamClosed();
    }

    const notices: string[] = [];
    if (outcome.interruption) notices.push(explainInterruption(outcome.interruption));
    const made = await prepareImages(outcome.images, input.uploadLimit ?? DEFAULT_UPLOAD_LIMIT);
    notices.push(...made.notes);
    if (mode === 'image' && made.files.length === 0 && !outcome.interruption) {
      notices.push('⚠️ The model didn’t return an image this time. Try rephrasing the prompt, or another model.');
    }
    let exchange: ExchangeAddress | undefined;
    if (outcome.text !== '' || made.files.length > 0) {
      try {
        exchange = await remember(services.history, {
          channelId: input.channelId,
          author: input.author,
          prompt: input.prompt,
          incoming: input.attachments,
          attachments,
          outcome,
          made,
          modelId,
          revision: input.revise && stored ? { revision: input.revise, stored } : undefined,
        });
        if (!exchange && input.revise) notices.push(`⚠️ ${NOTHING_TO_REDO}`);
      } catch (err) {
        log.error({ err }, 'could not store the conversation');
        notices.push('⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.');
      }
    }

    const controls: FinalControls = await (input.finalControls?.({ outcome, modelId, showReasoning, exchange }) ?? Promise.resolve({ components: [] })).catch((err: unknown) => {
      log.warn({ err }, 'could not prepare the answer’s buttons');
      return { components: [] };
    });
    const notes = [...(input.notes ?? []), unsupportedNote(unsupported)].filter((n): n is string => Boolean(n));
    const shown = await show({
      footer: formatFooter(outcome.model ?? modelId, outcome.usage, { thinkingMs: outcome.thinkingMs, notes }),
      files: made.files,
      components: controls.components,
      ...(notices.length ? { notice: notices.join('\n') } : {}),
    });

    if (shown) await controls.shown?.(renderer.messages).catch((err: unknown) => log.warn({ err }, 'could not keep what the answer’s buttons need'));

    if (outcome.interruption?.kind === 'upstream-error') services.metrics.openrouterError(outcome.interruption.code);
    services.metrics.answered({
      kind: mode,
      outcome: outcomeOf(outcome.interruption),
      ttftMs: outcome.firstTokenMs,
      totalMs: performance.now() - started,
      promptTokens: outcome.usage?.promptTokens,
      completionTokens: outcome.usage?.completionTokens,
      cost: outcome.usage?.cost,
    });
    log.info(
      {
        ttftMs: outcome.firstTokenMs === undefined ? undefined : Math.round(outcome.firstTokenMs),
        thinkingMs: outcome.thinkingMs === undefined ? undefined : Math.round(outcome.thinkingMs),
        totalMs: Math.round(performance.now() - started),
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
    return renderer.messages;
  } finally {
    clearInterval(ticker);
    // The shutdown signal lives as long as the bot: don't leave one listener per answer on it.
    input.signal?.removeEventListener('abort', onCancel);
  }
}
