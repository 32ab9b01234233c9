import type { OpenRouter } from '@openrouter/sdk';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import type { PostedMessage, ReplySurface } from '../discord/surface.js';
import { fromDataUrl } from '../images.js';
import type { Logger } from '../logger.js';
import { outcomeOf, type BotMetrics } from '../ops/metrics.js';
import { RequestFailed } from '../openrouter/call.js';
import { explainInterruption, explainRequestFailure } from '../openrouter/errors.js';
import type { ImageModelCatalog } from '../openrouter/image-models.js';
import type { ImagePricing } from '../openrouter/image-pricing.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { streamChat, type ChatMessage, type StreamHandlers, type StreamOutcome } from '../openrouter/stream.js';
import { openRouterUser } from '../openrouter/user-tag.js';
import { chatParameters } from '../settings/chat-parameters.js';
import type { PartialSettings } from '../settings/definitions.js';
import { fillPlaceholders } from '../settings/placeholders.js';
import { valuesOf, type EffectiveSettings } from '../settings/resolve.js';
import { newSeed } from '../imagine/seed.js';
import { UserError } from '../user-error.js';
import { formatFooter, unsupportedNote } from './footer.js';
import type { ChannelHistory, ExchangeAddress } from './history.js';
import type { Landing } from './landing.js';
import { prepareImages } from './made-images.js';
import { buildMessages, estimatePromptTokens, IMAGE_TOKENS_ESTIMATE } from './messages.js';
import { newQuestion, revisedQuestion, type Question, type Revision } from './question.js';
import type { ReasoningArchive } from './reasoning-archive.js';
import { remember, type Exchange } from './remember.js';
import { TurnReply } from './reply.js';
import { checkCaps, checkModelAccepts, resolveModel } from './request-checks.js';
import { estimateTokens, type Turn } from './turns.js';
import type { Billed } from '../preconditions.js';

export interface ConversationServices {
  config: Config;
  logger: Logger;
  openrouter: OpenRouter;
  catalog: ModelCatalog;
  imageCatalog: ImageModelCatalog;
  /** What Image API models cost, per endpoint (the budgets' reservations, a cost nobody reported). */
  imagePricing: ImagePricing;
  history: ChannelHistory;
  /** Shown answers' exchanges and buttons still being stored, which what comes next waits for. */
  landing: Landing;
  reasoning: ReasoningArchive;
  attachmentPolicy: AttachmentPolicy;
  metrics: BotMetrics;
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
  /** Whether there is anything to store (an answer with neither text nor images has none). */
  storing: boolean;
  /** The names of the image files the answer carries (a model that draws). */
  images: string[];
  /** The seed they were made with, where the model takes one. */
  seed: number | undefined;
}

/** The model a request asks: the request's or place's setting for its kind, else the bot's default. */
export function turnModel(settings: EffectiveSettings, kind: 'chat' | 'image', config: Config): string {
  const values = valuesOf(settings);
  return (kind === 'image' ? values.image_model : values.model) ?? (kind === 'image' ? config.imageModel : config.chatModel);
}

/** What a finished turn ends with: the messages it took, and what each request that reached OpenRouter is billed for. */
export interface TurnEnd {
  messages: PostedMessage[];
  billed: Billed[];
}

/**
 * What one streamed chat request is billed for: its usage when the stream brought it, else its
 * generation to look up, and the bot's own count of what was sent and got for when neither comes.
 */
export function billedOf(outcome: StreamOutcome, modelId: string, messages: readonly ChatMessage[]): Billed {
  return {
    model: outcome.model ?? modelId,
    usage: outcome.usage,
    generationId: outcome.generationId,
    estimate: { promptTokens: estimatePromptTokens(messages), completionTokens: estimateTokens(outcome.text + outcome.reasoning) + outcome.images.length * IMAGE_TOKENS_ESTIMATE },
  };
}

export interface FinalControls {
  components: object[];
  /** In their place when the exchange could not be stored (nothing for its actions to work on). */
  unstored?: object[];
  /**
   * Called once the answer has landed and its exchange is stored, with every message it took and
   * where the exchange is (undefined: it could not be stored).
   */
  shown?: (messages: PostedMessage[], exchange: ExchangeAddress | undefined) => Promise<void>;
}

/** Said when a button's exchange is no longer in the conversation. */
export const NOTHING_TO_REDO = 'There’s nothing to redo: this answer is no longer in the channel’s memory (it was deleted, or the conversation was reset).';

/**
 * One exchange in a channel (/ask, a mention, a Regenerate or Continue; /imagine is
 * imagine/turn.ts): check the request, send the channel's history and the new message to the
 * model with the place's settings, stream the answer into Discord, and store both turns. Resolves
 * with the messages the answer took, and what to bill when the request reached OpenRouter.
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<TurnEnd> {
  const { config } = services;
  const values = valuesOf(input.settings);
  const modelId = turnModel(input.settings, 'chat', config);
  const showReasoning = values.show_reasoning ?? false;
  const reply = new TurnReply(services, input, { mode: 'chat', modelId, showReasoning });
  const { log, renderer } = reply;
  try {
    const checked = await reply.checked(async () => {
      checkCaps(config, input);
      const model = await resolveModel(services.catalog, modelId);
      await services.landing.exchanges.settled(input.channelId);
      const stored = input.revise ? await services.history.exchange(input.channelId, input.revise.at) : undefined;
      if (input.revise && stored?.[0]?.role !== 'user') throw new UserError(NOTHING_TO_REDO);
      const attachments = await readAttachments(services, input.attachments, reply.signal);
      checkModelAccepts(model, attachments);
      return { model, attachments, stored };
    });
    if (!checked) return { messages: renderer.messages, billed: [] };
    const { model, attachments, stored } = checked;

    const { parameters, unsupported } = chatParameters(values, model?.supportedParameters, config.maxAnswerTokens);
    const question = input.revise && stored ? await revisedQuestion(services.history, input.channelId, input.revise, stored[0]!) : newQuestion(input.author, input.prompt, attachments);
    const messages = await conversationMessages(services, input, values, model, question);
    // A model that can draw may answer with images (edits by reply): ask for them, with a seed
    // where it takes one (the setting's, else a new one), so that its images can be made again.
    const wantsImages = model?.output.includes('image') ?? false;
    const seed = wantsImages && model!.supportedParameters.includes('seed') ? (values.seed ?? newSeed()) : undefined;
    let outcome: StreamOutcome;
    const streamClosed = services.metrics.streamOpened();
    try {
      outcome = await streamChat(
        services.openrouter,
        {
          model: modelId,
          messages,
          user: openRouterUser(input.author.id),
          ...parameters,
          ...(seed !== undefined ? { seed } : {}),
          ...(wantsImages ? { modalities: model && !model.output.includes('text') ? ['image'] : ['image', 'text'] } : {}),
        },
        streamingInto(reply),
        { idleTimeoutMs: config.streamIdleTimeoutMs, signal: reply.signal },
      );
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      await reply.failed(error, explainRequestFailure(error.cause, modelId));
      return { messages: renderer.messages, billed: [] };
    } finally {
      streamClosed();
    }

    const notices: string[] = [];
    if (outcome.interruption) notices.push(explainInterruption(outcome.interruption));
    const made = await prepareImages(outcome.images.map(fromDataUrl), input.uploadLimit);
    notices.push(...made.notes);
    const answer = { text: outcome.text, interrupted: Boolean(outcome.interruption), model: outcome.model ?? modelId };
    const revision = input.revise && stored ? { revision: input.revise, stored } : undefined;
    // The final text doesn't wait for the channel's memory: when several answers end together,
    // their writes queue behind each other's. Only an exchange that could not be stored changes
    // the final answer again (one more edit).
    const remembering = rememberExchange(services, log, { ...input, attachments, incoming: input.attachments, answer, made, revision });

    const imageSeed = made.files.length ? seed : undefined;
    const result: TurnResult = { outcome, modelId, showReasoning, storing: worthStoring(answer, made), images: made.originals.map((o) => o.file.name), seed: imageSeed };
    const controls = await reply.buttons(input.finalControls && (() => input.finalControls!(result)));
    const notes = [...(input.notes ?? []), unsupportedNote(unsupported)].filter((n): n is string => Boolean(n));
    const final = {
      footer: formatFooter(outcome.model ?? modelId, outcome.usage, { thinkingMs: outcome.thinkingMs, notes, seed: imageSeed }),
      files: made.files,
    };
    let shown = await reply.show({ ...final, components: controls.components, ...(notices.length ? { notice: notices.join('\n') } : {}) });
    const remembered = await keepForButtons(services, log, input.channelId, remembering, (stored) =>
      shown && !stored.notices.length ? controls.shown?.(renderer.messages, stored.exchange) : undefined,
    );
    if (remembered.notices.length) shown = await reply.show({ ...final, components: controls.unstored ?? [], notice: remembered.notices.join('\n') });

    if (outcome.interruption?.kind === 'upstream-error') services.metrics.openrouterError(outcome.interruption.code);
    reply.answered(
      { outcome: outcomeOf(outcome.interruption), ttftMs: outcome.firstTokenMs, promptTokens: outcome.usage?.promptTokens, completionTokens: outcome.usage?.completionTokens, cost: outcome.usage?.cost },
      {
        ttftMs: outcome.firstTokenMs === undefined ? undefined : Math.round(outcome.firstTokenMs),
        thinkingMs: outcome.thinkingMs === undefined ? undefined : Math.round(outcome.thinkingMs),
        promptTokens: outcome.usage?.promptTokens,
        completionTokens: outcome.usage?.completionTokens,
        reasoningTokens: outcome.usage?.reasoningTokens,
        cost: outcome.usage?.cost,
        images: made.originals.length,
        messages: renderer.messages.length,
        interruption: outcome.interruption?.kind,
        unsupported: unsupported.length ? unsupported : undefined,
        shown,
        generation: outcome.generationId,
      },
    );
    return { messages: renderer.messages, billed: [billedOf(outcome, modelId, messages)] };
  } finally {
    reply.dispose();
  }
}

/** The attachments downloaded and checked, in order; a bad one refuses the request (UserError). */
export function readAttachments(services: ConversationServices, incoming: IncomingAttachment[], signal: AbortSignal): Promise<ReadAttachment[]> {
  return Promise.all(incoming.map((att) => readAttachment(att, { ...services.attachmentPolicy, signal })));
}

/** The request's messages: the place's system prompt filled in, the channel's history that fits, the question. */
export function conversationMessages(
  services: ConversationServices,
  input: Pick<TurnInput, 'channelId' | 'author' | 'names'>,
  values: PartialSettings,
  model: ModelInfo | undefined,
  question: Question,
): Promise<ChatMessage[]> {
  const { config } = services;
  const systemPrompt = fillPlaceholders(values.system_prompt ?? config.systemPrompt, {
    user: input.author.name,
    channel: input.names.channel,
    server: input.names.server,
    now: new Date(),
  });
  return buildMessages(services.history, { channelId: input.channelId, systemPrompt, historyMaxTokens: config.historyMaxTokens }, model, question);
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

/** An answer with neither text nor images leaves nothing to remember. */
function worthStoring(answer: Exchange['answer'], made: Exchange['made']): boolean {
  return answer.text !== '' || made.files.length > 0;
}

/** How storing an exchange went: where it is, and what to tell the user when it failed. */
export interface Remembered {
  exchange: ExchangeAddress | undefined;
  notices: string[];
}

/** Stores the exchange (the channel's next turn waits for it). */
export function rememberExchange(services: ConversationServices, log: Logger, exchange: Exchange): Promise<Remembered> {
  return services.landing.exchanges.track(exchange.channelId, storeExchange(services, log, exchange));
}

/**
 * Once the exchange has landed, runs `keep`: what the shown answer's buttons need is stored, with
 * the exchange's address. A press of those buttons waits for both; a failure to keep is logged.
 */
export function keepForButtons(services: ConversationServices, log: Logger, channelId: string, remembering: Promise<Remembered>, keep: (stored: Remembered) => Promise<void> | undefined): Promise<Remembered> {
  const kept = remembering.then(async (stored) => {
    await keep(stored)?.catch((err: unknown) => log.warn({ err }, 'could not keep what the answer’s buttons need'));
    return stored;
  });
  return services.landing.buttons.track(channelId, kept);
}

async function storeExchange(services: ConversationServices, log: Logger, exchange: Exchange): Promise<Remembered> {
  if (!worthStoring(exchange.answer, exchange.made)) return { exchange: undefined, notices: [] };
  try {
    const at = await remember(services.history, exchange);
    // A revised exchange that went meanwhile (deleted, /reset) has nowhere to go.
    return { exchange: at, notices: !at && exchange.revision ? [`⚠️ ${NOTHING_TO_REDO}`] : [] };
  } catch (err) {
    log.error({ err }, 'could not store the conversation');
    return { exchange: undefined, notices: ['⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.'] };
  }
}
