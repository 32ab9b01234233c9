import type { OpenRouter } from '@openrouter/sdk';
import type { ChatContentItems } from '@openrouter/sdk/models';
import { readAttachment, type AttachmentPolicy, type IncomingAttachment, type ReadAttachment } from '../attachments.js';
import type { Config } from '../config.js';
import { StreamRenderer } from '../discord/renderer.js';
import type { OutgoingFile, ReplySurface } from '../discord/surface.js';
import { extensionFor, fitUnderLimit, forMemory, fromDataUrl, sha256, toDataUrl } from '../images.js';
import type { Logger } from '../logger.js';
import { explainInterruption, explainRequestFailure } from '../openrouter/errors.js';
import type { ModelCatalog, ModelInfo } from '../openrouter/models.js';
import { RequestFailed, streamChat, type ChatMessage, type StreamOutcome } from '../openrouter/stream.js';
import { UserError } from '../user-error.js';
import { formatFooter } from './footer.js';
import type { ChannelHistory } from './history.js';
import { estimateTokens, historyBudget, trimToBudget, type ImageRef, type Turn } from './turns.js';

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
  /** 'image': the answer must be an image (/imagine); 'chat': text, and images when the model makes them. */
  mode?: 'chat' | 'image';
  aspectRatio?: string | undefined;
  /** Largest file Discord accepts here (the interaction's attachment_size_limit). */
  uploadLimit?: number | undefined;
  surface: ReplySurface;
  signal?: AbortSignal;
  /** Components shown under the answer while it streams (see the renderer). */
  controls?: object[];
}

const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** How many of the conversation's newest images go with each request as inputs. */
export const RECENT_IMAGE_INPUTS = 2;
const IMAGE_TOKENS_ESTIMATE = 1_000;

/**
 * One exchange in a channel: read the attachments, send the channel's history and the new message
 * to the model, stream the answer into Discord, and store both turns.
 */
export async function runTurn(services: ConversationServices, input: TurnInput): Promise<void> {
  const { config, logger } = services;
  const started = performance.now();
  const mode = input.mode ?? 'chat';
  const modelId = input.model?.trim() || (mode === 'image' ? config.imageModel : config.chatModel);
  const log = logger.child({ channel: input.channelId, user: input.author.id, model: modelId, mode });
  // When Discord refuses an update (the reply was deleted, the token expired), nobody can see the
  // answer any more: stop paying for it.
  const stop = new AbortController();
  const onCancel = () => stop.abort(input.signal?.reason);
  if (input.signal?.aborted) onCancel();
  input.signal?.addEventListener('abort', onCancel, { once: true });
  let ticker: NodeJS.Timeout | undefined;
  try {
    const renderer = new StreamRenderer(input.surface, {
      onError: (err) => {
        log.warn({ err }, 'discord rejected an update; stopping the answer');
        stop.abort('reply unavailable');
      },
      ...(input.controls ? { controls: input.controls } : {}),
      ...(mode === 'image' ? { status: () => `-# 🎨 \`${modelId}\` is working… ${Math.round((performance.now() - started) / 1000)} s` } : {}),
    });
    // The elapsed time ticks while an image is being made; the scheduler decides when it is shown.
    ticker = mode === 'image' ? setInterval(() => renderer.refresh(), 2_000) : undefined;
    if (ticker) renderer.refresh();
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
      return;
    }

    const messages = await buildMessages(services, input, model, attachments);
    const wantsImages = model ? model.output.includes('image') : mode === 'image';
    let outcome: StreamOutcome;
    try {
      outcome = await streamChat(
        services.openrouter,
        {
          model: modelId,
          messages,
          maxCompletionTokens: config.maxAnswerTokens,
          ...(wantsImages ? { modalities: model && !model.output.includes('text') ? ['image'] : ['image', 'text'] } : {}),
          ...(input.aspectRatio ? { imageConfig: { aspect_ratio: input.aspectRatio } } : {}),
        },
        { onText: (delta) => renderer.append(delta) },
        { idleTimeoutMs: config.streamIdleTimeoutMs, signal: stop.signal },
      );
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      log.warn({ err: error.cause }, 'openrouter request failed');
      await show({ notice: `⚠️ ${explainRequestFailure(error.cause, modelId)}` });
      return;
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
        await remember(services, input, attachments, outcome, made, modelId);
      } catch (err) {
        log.error({ err }, 'could not store the conversation');
        notices.push('⚠️ This exchange could not be saved to the channel’s memory; the next question won’t see it.');
      }
    }

    const shown = await show({
      footer: formatFooter(outcome.model ?? modelId, outcome.usage),
      files: made.files,
      ...(notices.length ? { notice: notices.join('\n') } : {}),
    });

    log.info(
      {
        ttftMs: outcome.firstTokenMs === undefined ? undefined : Math.round(outcome.firstTokenMs),
        totalMs: Math.round(performance.now() - started),
        promptTokens: outcome.usage?.promptTokens,
        completionTokens: outcome.usage?.completionTokens,
        cost: outcome.usage?.cost,
        images: made.files.length,
        messages: renderer.messages.length,
        interruption: outcome.interruption?.kind,
        shown,
        generation: outcome.generationId,
      },
      'answered',
    );
  } finally {
    clearInterval(ticker);
    // The shutdown signal lives as long as the bot: don't leave one listener per answer on it.
    input.signal?.removeEventListener('abort', onCancel);
  }
}

function checkCaps(config: Config, input: TurnInput): void {
  if (input.prompt.length > config.maxPromptChars) {
    throw new UserError(`Your message is ${input.prompt.length.toLocaleString('en')} characters; the limit is ${config.maxPromptChars.toLocaleString('en')}. Shorten it, or attach it as a text file.`);
  }
  if (input.attachments.length > config.maxAttachments) {
    throw new UserError(`That’s ${input.attachments.length} files; I take up to ${config.maxAttachments} at a time.`);
  }
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

interface MadeImages {
  files: OutgoingFile[];
  /** The model's images as it sent them, for the conversation's memory. */
  originals: { file: OutgoingFile; bytes: Buffer; mime: string }[];
  notes: string[];
}

/** The model's images as files Discord will take: re-encoded or scaled down when too large. */
async function prepareImages(dataUrls: string[], uploadLimit: number): Promise<MadeImages> {
  const made: MadeImages = { files: [], originals: [], notes: [] };
  for (const [i, url] of dataUrls.entries()) {
    const image = fromDataUrl(url);
    if (!image) {
      made.notes.push(`⚠️ Image ${i + 1} came back in a form the bot can’t read, so it is missing here.`);
      continue;
    }
    try {
      const fitted = await fitUnderLimit(image, uploadLimit);
      const file = { name: `image-${i + 1}.${extensionFor(fitted.mime)}`, data: fitted.bytes };
      made.files.push(file);
      made.originals.push({ file, bytes: image.bytes, mime: image.mime });
      if (fitted.change) made.notes.push(`ℹ️ Image ${i + 1} was ${fitted.change}.`);
    } catch {
      made.notes.push(`⚠️ Image ${i + 1} could not be made small enough for Discord’s upload limit, so it is missing here.`);
    }
  }
  return made;
}

/** Stores the exchange: both turns as text, and the images seen and made for later turns. */
async function remember(
  { history }: ConversationServices,
  input: TurnInput,
  attachments: ReadAttachment[],
  outcome: StreamOutcome,
  made: MadeImages,
  modelId: string,
): Promise<void> {
  const seen: ImageRef[] = [];
  for (const [i, a] of attachments.entries()) {
    if (!a.image || !a.sha) continue;
    seen.push(await history.saveImage(input.channelId, await forMemory(a.image), { name: input.attachments[i]!.name, origin: 'user', sha: a.sha }));
  }
  const generated: ImageRef[] = [];
  for (const original of made.originals) {
    const memory = await forMemory({ bytes: original.bytes, mime: original.mime });
    generated.push(await history.saveImage(input.channelId, memory, { name: original.file.name, origin: 'generated', sha: sha256(original.file.data) }));
  }
  const userTurn: Turn = {
    role: 'user',
    author: input.author.name,
    content: [input.prompt, ...attachments.map((a) => a.summary)].join('\n\n'),
    ...(seen.length ? { images: seen } : {}),
    at: Date.now(),
  };
  const assistantTurn: Turn = {
    role: 'assistant',
    model: outcome.model ?? modelId,
    content: [outcome.text, ...generated.map((g) => `[generated image: ${g.name}]`), ...(outcome.interruption ? ['[answer interrupted]'] : [])]
      .filter(Boolean)
      .join('\n\n'),
    ...(generated.length ? { images: generated } : {}),
    at: Date.now(),
  };
  await history.append(input.channelId, [userTurn, assistantTurn]);
}

async function buildMessages(
  { config, history }: ConversationServices,
  input: TurnInput,
  model: ModelInfo | undefined,
  attachments: ReadAttachment[],
): Promise<ChatMessage[]> {
  const text = `${input.author.name}: ${input.prompt}`;
  const stored = await history.load(input.channelId);
  const recent = await recentImages(history, input.channelId, stored, attachments, model);
  const fixed =
    estimateTokens(config.systemPrompt) +
    estimateTokens(text) +
    attachments.reduce((n, a) => n + (a.kind === 'text' ? estimateTokens(a.summary) : IMAGE_TOKENS_ESTIMATE), 0) +
    recent.length * IMAGE_TOKENS_ESTIMATE;
  const budget = historyBudget({
    maxHistoryTokens: config.historyMaxTokens,
    contextLength: model?.contextLength,
    maxCompletionTokens: model?.maxCompletionTokens,
    fixedTokens: fixed,
  });
  const past = trimToBudget(stored, budget);
  const parts: ChatContentItems[] = [...attachments.map((a) => a.part), ...recent];
  return [
    { role: 'system', content: config.systemPrompt },
    ...past.map((turn): ChatMessage =>
      turn.role === 'user'
        ? { role: 'user', content: turn.author ? `${turn.author}: ${turn.content}` : turn.content }
        : { role: 'assistant', content: turn.content },
    ),
    { role: 'user', content: parts.length ? [{ type: 'text', text }, ...parts] : text },
  ];
}

/**
 * The conversation's newest images, as inputs with a label saying where each came from, so that
 * "make it winter" can refer to the image made a turn ago. Images already attached to this message
 * (a reply to one of them) are not sent twice.
 */
async function recentImages(
  history: ChannelHistory,
  channelId: string,
  stored: Turn[],
  attachments: ReadAttachment[],
  model: ModelInfo | undefined,
): Promise<ChatContentItems[]> {
  if (model && !model.input.includes('image')) return [];
  const attached = new Set(attachments.flatMap((a) => (a.sha ? [a.sha] : [])));
  const refs = stored
    .flatMap((t) => t.images ?? [])
    .filter((ref) => !attached.has(ref.sha))
    .slice(-RECENT_IMAGE_INPUTS);
  const parts: ChatContentItems[] = [];
  for (const ref of refs) {
    const image = await history.loadImage(channelId, ref.id);
    if (!image) continue;
    const label = ref.origin === 'generated' ? `an image you made earlier (${ref.name})` : `an image shared earlier (${ref.name})`;
    parts.push({ type: 'text', text: `[Earlier in this conversation: ${label}]` }, { type: 'image_url', imageUrl: { url: toDataUrl(image) } });
  }
  return parts;
}
