import { OpenRouterError } from '@openrouter/sdk/models/errors';
import type { Interruption } from './call.js';

interface ErrorDetail {
  message?: string;
  metadata?: { reasons?: string[]; flagged_input?: string; provider_name?: string; limit_source?: string };
}

interface ErrorBody {
  error?: ErrorDetail;
}

function parseBody(body: string): ErrorBody {
  try {
    return JSON.parse(body) as ErrorBody;
  } catch {
    return {};
  }
}

function retryAfterSeconds(error: OpenRouterError): number | undefined {
  const header = error.headers?.get('retry-after');
  const seconds = header ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined;
}

const CREDITS_PAGE = 'https://openrouter.ai/settings/credits';
const KEYS_PAGE = 'https://openrouter.ai/settings/keys';

/**
 * The key's own spending cap, which OpenRouter reports as a 403 "Key limit exceeded (monthly
 * limit)…" or as a 402 that points at the key (its metadata, or its link to the keys page).
 */
function isKeyCap(detail: ErrorDetail | undefined): boolean {
  return detail?.metadata?.limit_source === 'openrouter_key_limit' || /key limit exceeded|settings\/keys/i.test(detail?.message ?? '');
}

function keyCapped(detail: ErrorDetail | undefined): string {
  const period = /\((\w+) limit\)/i.exec(detail?.message ?? '')?.[1]?.toLowerCase();
  return `The bot’s OpenRouter API key has reached its ${period ? `${period} ` : ''}spending limit. A server admin needs to raise or remove the key’s limit at ${KEYS_PAGE}, or put another key in \`OPENROUTER_API_KEY\`.`;
}

/** 402: out of credits, a balance (or key limit) too small for the answer's length, or too much in flight. */
function explainPaymentRequired(error: OpenRouterError, detail: ErrorDetail | undefined): string {
  if (detail?.metadata?.limit_source === 'openrouter_in_flight_budget') {
    const wait = retryAfterSeconds(error);
    return `OpenRouter is holding this request back until the bot’s answers in progress are paid for. Try again${wait ? ` in ${wait} s` : ' in a moment'}.`;
  }
  const afford = /requested up to ([\d,]+) tokens, but can only afford ([\d,]+)/i.exec(detail?.message ?? '');
  const affordable = Number(afford?.[2]?.replaceAll(',', '') ?? 0);
  if (afford && affordable > 0) {
    const raise = isKeyCap(detail) ? `raise the API key’s limit at ${KEYS_PAGE}` : `add credits at ${CREDITS_PAGE}`;
    return `The bot’s OpenRouter ${isKeyCap(detail) ? 'API key’s remaining limit' : 'credits'} can pay for an answer of ${affordable.toLocaleString('en')} tokens, and \`MAX_ANSWER_TOKENS\` allows ${Number(afford[1]!.replaceAll(',', '')).toLocaleString('en')}. A server admin needs to ${raise}, or set \`MAX_ANSWER_TOKENS\` below ${affordable}.`;
  }
  if (isKeyCap(detail)) return keyCapped(detail);
  return `The bot’s OpenRouter account is out of credits. A server admin needs to add credits at ${CREDITS_PAGE}.`;
}

/** 403: the key's spending cap, the model's moderation (with its reasons), or another refusal (a guardrail). */
function explainForbidden(detail: ErrorDetail | undefined, said: string): string {
  if (isKeyCap(detail)) return keyCapped(detail);
  const reasons = detail?.metadata?.reasons;
  if (reasons || detail?.metadata?.flagged_input !== undefined || /flagged/i.test(detail?.message ?? '')) {
    return `The model’s moderation blocked this request${reasons?.length ? ` (flagged: ${reasons.join(', ')})` : ''}. Rephrase it and try again.`;
  }
  return `OpenRouter refused this request${said}.`;
}

/** The HTTP status of a failed request, for counting; undefined when OpenRouter wasn't reached. */
export function failureCode(error: unknown): number | undefined {
  return error instanceof OpenRouterError ? error.statusCode : undefined;
}

/** OpenRouter's own error detail, and its message as a parenthesis for the user. */
function detailOf(error: OpenRouterError) {
  const detail = parseBody(error.body).error;
  return { detail, said: detail?.message ? ` (OpenRouter said: ${detail.message.slice(0, 300)})` : '' };
}

/** What to tell the user when a request to OpenRouter failed before any answer arrived. */
export function explainRequestFailure(error: unknown, model: string): string {
  if (error instanceof OpenRouterError) {
    const { detail, said } = detailOf(error);
    switch (error.statusCode) {
      case 400:
        return `OpenRouter rejected the request${said}. Try a shorter prompt or a different attachment or model.`;
      case 401:
        return 'The bot’s OpenRouter API key was rejected. A server admin needs to check `OPENROUTER_API_KEY`.';
      case 402:
        return explainPaymentRequired(error, detail);
      case 403:
        return explainForbidden(detail, said);
      case 404:
        return `The model \`${model}\` was not found on OpenRouter. Pick one from the \`model\` option’s list.`;
      case 408:
        return 'OpenRouter timed out waiting for the model. Try again in a moment.';
      case 413:
        return 'The request is too large for this model. Use a smaller attachment, or `/reset` to clear a long history.';
      case 422:
        return `OpenRouter could not process this request${said}.`;
      case 429: {
        const wait = retryAfterSeconds(error);
        return `The model is rate-limited right now. Try again${wait ? ` in ${wait} s` : ' in a minute'}, or pick another model.`;
      }
      default:
        if (error.statusCode >= 500) {
          return `The model’s provider is having trouble (HTTP ${error.statusCode}). Try again in a minute, or pick another model.`;
        }
        return `OpenRouter answered with HTTP ${error.statusCode}${said}.`;
    }
  }
  if (error instanceof Error && /fetch failed|ECONNREFUSED|ENOTFOUND|ECONNRESET|Connection|connect/i.test(`${error.name} ${error.message} ${String(error.cause ?? '')}`)) {
    return 'Could not reach OpenRouter. Try again in a minute.';
  }
  return 'Something went wrong talking to OpenRouter. Try again in a minute.';
}

/** The abort reason used when the bot shuts down with answers still streaming. */
export const SHUTDOWN = 'shutdown';

/** The notice added under a partial answer. */
export function explainInterruption(interruption: Interruption): string {
  switch (interruption.kind) {
    case 'upstream-error':
      return `⚠️ The model stopped with an error: ${interruption.message.slice(0, 300)}. The answer above is incomplete; try again.`;
    case 'idle':
      return `⚠️ The model sent nothing for ${duration(interruption.afterMs)}, so the bot stopped waiting. The answer above is incomplete; try again.`;
    case 'dropped':
      return '⚠️ The connection to the model dropped. The answer above is incomplete; try again.';
    case 'aborted':
      return interruption.reason === SHUTDOWN
        ? '⚠️ The bot is restarting, so this answer stops here. Ask again in a minute.'
        : '⏹️ Stopped.';
  }
}

const NOT_CHARGED = 'Nothing was charged: the Image API bills only finished images.';

/** The notice when an Image API generation ended early: it costs nothing, so say so. */
export function explainImageInterruption(interruption: Interruption): string {
  switch (interruption.kind) {
    case 'upstream-error':
      return `⚠️ The model stopped with an error: ${interruption.message.slice(0, 300)}. ${NOT_CHARGED} Try again, or pick another model.`;
    case 'idle':
      return `⚠️ The model sent nothing for ${duration(interruption.afterMs)}, so the bot stopped waiting. ${NOT_CHARGED} Try again.`;
    case 'dropped':
      return `⚠️ The connection to the model dropped. ${NOT_CHARGED} Try again.`;
    case 'aborted':
      return interruption.reason === SHUTDOWN
        ? `⚠️ The bot is restarting, so this image stops here. ${NOT_CHARGED} Ask again in a minute.`
        : `⏹️ Stopped. ${NOT_CHARGED}`;
  }
}

/** What to tell the user when an Image API request failed before any image arrived. */
export function explainImageFailure(error: unknown, model: string): string {
  if (error instanceof OpenRouterError) {
    const { detail, said } = detailOf(error);
    switch (error.statusCode) {
      case 400:
        return `\`${model}\` refused this request${said}. Check the options against what it takes (the \`model\` option’s list marks its kind), or pick another model.`;
      case 403: {
        if (isKeyCap(detail)) return keyCapped(detail);
        const reasons = detail?.metadata?.reasons?.join(', ');
        return `The image model’s moderation blocked this prompt${reasons ? ` (flagged: ${reasons})` : ''}. Rephrase it and try again.`;
      }
      case 502:
        return `The provider couldn’t make the image this time${said}. Nothing was charged; try again, or pick another model.`;
    }
  }
  return explainRequestFailure(error, model);
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
