import type { OpenRouter } from '@openrouter/sdk';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import { StreamRenderer } from '../discord/renderer.js';
import type { ReplySurface } from '../discord/surface.js';
import type { Logger } from '../logger.js';
import { explainInterruption, explainRequestFailure } from '../openrouter/errors.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { RequestFailed, streamChat, type StreamOutcome } from '../openrouter/stream.js';
import { openRouterUser } from '../openrouter/user-tag.js';
import { chatParameters } from '../settings/chat-parameters.js';
import { fillPlaceholders } from '../settings/placeholders.js';
import { valuesOf, type EffectiveSettings } from '../settings/resolve.js';
import { UserError } from '../user-error.js';
import { formatFooter, unsupportedNote } from './footer.js';
import type { ChannelHistory } from './history.js';
import { prepareImages } from './made-images.js';
import { buildMessages, estimatePromptTokens } from './messages.js';
import { Progress, PROGRESS_TICK_MS } from './progress.js';
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
  /** Components for the finished answer, given what came of it. */
  finalControls?: (result: TurnResult) => Promise<object[]>;
  /** Footer remarks decided before the turn (why the answer isn't in a thread). */
  notes?: string[];
}

/** What a finished turn hands to whoever builds its buttons, and to the ledger. */
export interface TurnResult {
  outcome: StreamOutcome;
  modelId: string;
  showReasoning: boolean;
  /** The bot's own count of the prompt it sent. */
  promptTokens: number;
}

/** The model a turn asks: the request's or place's setting for its mode, else the bot's default. */
export function turnModel(settings: EffectiveSettings, mode: 'chat' | 'image', config: Config): string {
  const values = valuesOf(settings);
  return (mode === 'image' ? values.image_model : values.model) ?? (mode === 'image' ? config.imageModel : config.chatModel);
}

const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/**
 * One exchange in a channel: check the request, send the channel's history and the new message
 * to the model with the place's settings, stream the answer into Discord, and store both turns.
 * Resolves with what came back when the request reached OpenRouter's stream (so it may be billed).
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<TurnResult | undefined> {
  const { config, logger } = services;
  const started = performance.now();
  const mode = input.mode ?? 'chat';
  const values = valuesOf(input.settings);
  const modelId = turnModel(input.settings, mode, config);
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
    try {
      checkCaps(config, input);
      model = await resolveModel(services.catalog, modelId);
      if (mode === 'image' && model && !model.output.includes('image')) {
        throw new UserError(`\`${model.id}\` can’t make images. Pick one from the \`model\` option’s list.`);
      }
      attachments = await Promise.all(input.attachments.map((att) => readAttachment(att, { ...services.attachmentPolicy, signal: stop.signal })));
      checkModelAccepts(model, attachments);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      log.info({ reason: error.message }, 'request refused');
      await show({ notice: `⚠️ ${error.message}` });
      return undefined;
    }

    const { parameters, unsupported } = chatParameters(values, model?.supportedParameters, config.maxAnswerTokens);
    const systemPrompt = fillPlaceholders(values.system_prompt ?? config.systemPrompt, {
      user: input.author.name,
      channel: input.names.channel,
      server: input.names.server,
      now: new Date(),
    });
    const messages = await buildMessages(
      services.history,
      { channelId: input.channelId, author: input.author, prompt: input.prompt, systemPrompt, historyMaxTokens: config.historyMaxTokens },
      model,
      attachments,
    );
    const wantsImages = model ? model.output.includes('image') : mode === 'image';
    let outcome: StreamOutcome;
    try {
      outcome = await streamChat(
        services.openrouter,
        {
          model: modelId,
          messages,
          user: openRouterUser(input.author.id),
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
      await show({ notice: `⚠️ ${explainRequestFailure(error.cause, modelId)}` });
      return undefined;
    }

    const notices: string[] = [];
    if (outcome.interruption) notices.push(explainInterruption(outcome.interruption));
    const made = await prepareImages(outcome.images, input.uploadLimit ?? DEFAULT_UPLOAD_LIMIT);
    notices.push(...made.notes);
    if (mode === 'image' && made.files.length === 0 && !outcome.interruption) {
      notices.push('⚠️ The model didn’t return an image this time. Try rephrasing the prompt, or another model.');
    }
    if (outcome.text !== '' || made.files.length > 0) {
      try {
        await remember(services.history, { channelId: input.channelId, author: input.author, prompt: input.prompt, incoming: input.attachments, attachments, outcome, made, modelId });
      } catch (err) {
        log.error({ err }, 'could not store the conversation');
        notices.push('⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.');
      }
    }

    const result: TurnResult = { outcome, modelId, showReasoning, promptTokens: estimatePromptTokens(messages) };
    const components = await (input.finalControls?.(result) ?? Promise.resolve([])).catch((err: unknown) => {
      log.warn({ err }, 'could not prepare the answer’s buttons');
      return [];
    });
    const notes = [...(input.notes ?? []), unsupportedNote(unsupported)].filter((n): n is string => Boolean(n));
    const shown = await show({
      footer: formatFooter(outcome.model ?? modelId, outcome.usage, { thinkingMs: outcome.thinkingMs, notes }),
      files: made.files,
      components,
      ...(notices.length ? { notice: notices.join('\n') } : {}),
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
    return result;
  } finally {
    clearInterval(ticker);
    // The shutdown signal lives as long as the bot: don't leave one listener per answer on it.
    input.signal?.removeEventListener('abort', onCancel);
  }
}
