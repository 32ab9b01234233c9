import type { ReadAttachment } from '../attachments.js';
import { billedOf, conversationMessages, streamingInto, type ConversationServices } from '../conversation/conversation.js';
import { IMAGE_TOKENS_ESTIMATE } from '../conversation/messages.js';
import type { TurnReply } from '../conversation/reply.js';
import { fromDataUrl, toDataUrl, type ImageData } from '../images.js';
import { RequestFailed, type Interruption } from '../openrouter/call.js';
import { explainImageFailure, explainRequestFailure } from '../openrouter/errors.js';
import { generateImages } from '../openrouter/image-api.js';
import type { ImageModelInfo } from '../openrouter/image-models.js';
import type { ModelInfo } from '../openrouter/models.js';
import { streamChat, type StreamOutcome } from '../openrouter/stream.js';
import { chatParameters } from '../settings/chat-parameters.js';
import type { PartialSettings } from '../settings/definitions.js';
import type { ChatImagePlan, ImageApiPlan } from './options.js';
import type { PreviewImage } from './preview.js';
import { newQuestion } from '../conversation/question.js';
import { openRouterUser } from '../openrouter/user-tag.js';
import type { Billed } from '../preconditions.js';
import { imageWorstCost } from '../costs/estimate.js';
import { estimateTokens } from '../conversation/turns.js';

/** What came back from either API, before it is fitted for Discord. */
export interface Drawn {
  /** In order; an image the bot can't decode is `undefined` (said in a note). */
  images: { image: ImageData | undefined; seed: number | undefined }[];
  /** The seed the (first) request was sent with. */
  seed: number | undefined;
  /** A chat model's words with its image (the Image API says nothing). */
  text: string;
  /** US dollars, when OpenRouter reported the cost of every request. */
  cost: number | undefined;
  /** One per request that was answered (a chat model makes one image per request). */
  billed: Billed[];
  /** The model that answered. */
  model: string;
  interruption: Interruption | undefined;
  notices: string[];
  /** Channel settings the model doesn't take (left out, said in the footer). */
  ignored: string[];
  firstImageMs: number | undefined;
  partials: number;
}

export interface ChatJob {
  channelId: string;
  author: { id: string; name: string };
  prompt: string;
  names: { channel: string; server: string | undefined };
  modelId: string;
  values: PartialSettings;
  attachments: ReadAttachment[];
}

/**
 * The chat path: one request per image asked for, all at once (chat image models make one image
 * per request), each with its own seed. The first one's words stream in as the caption. Requests
 * that fail while others succeed are said in a notice; when all fail, that is the reply.
 */
export async function drawWithChat(services: ConversationServices, reply: TurnReply, job: ChatJob, model: ModelInfo | undefined, plan: ChatImagePlan): Promise<Drawn | undefined> {
  const { config } = services;
  const { parameters, unsupported } = chatParameters(job.values, model?.supportedParameters, config.maxAnswerTokens);
  const messages = await conversationMessages(services, job, job.values, model, newQuestion(job.author, job.prompt, job.attachments));
  const modalities: ('image' | 'text')[] = model && !model.output.includes('text') ? ['image'] : ['image', 'text'];
  const count = plan.seeds.length;
  let done = 0;
  const settled = await Promise.allSettled(
    plan.seeds.map((seed, i) =>
      streamChat(
        services.openrouter,
        { model: job.modelId, messages, user: openRouterUser(job.author.id), ...parameters, ...(seed !== undefined ? { seed } : {}), modalities, ...(plan.imageConfig ? { imageConfig: plan.imageConfig } : {}) },
        i === 0 ? streamingInto(reply) : { onText: () => undefined },
        { idleTimeoutMs: config.streamIdleTimeoutMs, signal: reply.signal },
      ).finally(() => {
        if (count === 1) return;
        reply.progress.setDetail(`${++done} of ${count} done`);
        reply.renderer.refresh();
      }),
    ),
  );
  const failures: RequestFailed[] = [];
  const answered: { outcome: StreamOutcome; seed: number | undefined }[] = [];
  for (const [i, s] of settled.entries()) {
    if (s.status === 'fulfilled') answered.push({ outcome: s.value, seed: plan.seeds[i] });
    else if (s.reason instanceof RequestFailed) failures.push(s.reason);
    else throw s.reason;
  }
  const explain = (f: RequestFailed) => explainRequestFailure(f.cause, job.modelId);
  if (answered.length === 0) {
    await reply.failed(failures[0]!, explain(failures[0]!));
    return undefined;
  }
  for (const f of failures) reply.log.warn({ err: f.cause }, 'openrouter request failed');
  const billed = answered.map((a) => billedOf(a.outcome, job.modelId, messages));
  const costs = billed.map((b) => b.usage?.cost);
  const first = answered[0]!.outcome;
  return {
    images: answered.flatMap((a) => a.outcome.images.map((url) => ({ image: fromDataUrl(url), seed: a.seed }))),
    seed: plan.seeds[0],
    text: first.text,
    // A request whose stream brought no cost is looked up when it is billed; the footer can't wait.
    cost: costs.every((c) => c !== undefined) ? costs.reduce((a, b) => a + b, 0) : undefined,
    billed,
    model: first.model ?? job.modelId,
    interruption: answered.find((a) => a.outcome.interruption)?.outcome.interruption,
    notices: failures.length ? [`⚠️ ${failures.length} of ${count} requests failed: ${explain(failures[0]!)}`] : [],
    ignored: unsupported,
    firstImageMs: first.firstTokenMs,
    partials: 0,
  };
}

/** The Image API path: one request for every image, previews from a streaming endpoint. */
export async function drawWithImageApi(
  services: ConversationServices,
  reply: TurnReply,
  job: { prompt: string; modelId: string; attachments: ReadAttachment[]; userId: string },
  model: ImageModelInfo | undefined,
  plan: ImageApiPlan,
  preview: PreviewImage,
): Promise<Drawn | undefined> {
  let outcome;
  try {
    outcome = await generateImages(
      services.openrouter,
      {
        model: job.modelId,
        prompt: job.prompt,
        user: openRouterUser(job.userId),
        ...plan.fields,
        inputReferences: job.attachments.flatMap((a) => (a.image ? [toDataUrl(a.image)] : [])),
        // Where no endpoint streams, OpenRouter would answer in one piece anyway.
        stream: model?.streams ?? false,
      },
      { onPartial: (bytes) => preview.offer(bytes) },
      { idleTimeoutMs: services.config.imageIdleTimeoutMs, signal: reply.signal },
    );
  } catch (error) {
    if (!(error instanceof RequestFailed)) throw error;
    await reply.failed(error, explainImageFailure(error.cause, job.modelId));
    return undefined;
  }
  const single = outcome.images.length === 1;
  // Billing is all or nothing: a generation that made no image and reported nothing was not billed.
  const billed = outcome.images.length === 0 && !outcome.usage ? [] : [await imageApiBill(services, job, plan, outcome)];
  return {
    images: outcome.images.map((i) => ({ image: { bytes: i.bytes, mime: i.mediaType ?? 'image/png' }, seed: i.seed ?? (single ? plan.seed : undefined) })),
    seed: plan.seed,
    text: '',
    cost: outcome.usage?.cost,
    billed,
    model: job.modelId,
    interruption: outcome.interruption,
    notices: [],
    ignored: plan.ignored,
    firstImageMs: outcome.firstImageMs,
    partials: outcome.partials,
  };
}

/**
 * What an Image API generation is billed for. Its answer carries no generation id to look up, so
 * when it reports no cost the images it made are priced at the dearest endpoint's prices.
 */
async function imageApiBill(
  services: ConversationServices,
  job: { prompt: string; modelId: string; attachments: ReadAttachment[] },
  plan: ImageApiPlan,
  outcome: Awaited<ReturnType<typeof generateImages>>,
): Promise<Billed> {
  const estimateUsd =
    outcome.usage?.cost === undefined
      ? imageWorstCost(await services.imagePricing.endpoints(job.modelId), {
          count: outcome.images.length,
          resolution: plan.fields.resolution,
          references: job.attachments.filter((a) => a.image).length,
          promptTokens: estimateTokens(job.prompt),
        })
      : undefined;
  return {
    model: job.modelId,
    usage: outcome.usage,
    generationId: undefined,
    estimate: { promptTokens: 0, completionTokens: outcome.images.length * IMAGE_TOKENS_ESTIMATE },
    estimateUsd,
  };
}
