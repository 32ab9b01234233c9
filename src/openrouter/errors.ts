import { OpenRouterError } from '@openrouter/sdk/models/errors';
import type { Interruption } from './call.js';

interface ErrorBody {
  error?: { message?: string; metadata?: { reasons?: string[]; flagged_input?: string; provider_name?: string } };
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
        return 'The bot’s OpenRouter account is out of credits. A server admin needs to add credits at openrouter.ai.';
      case 403: {
        const reasons = detail?.metadata?.reasons?.join(', ');
        return `The model’s moderation blocked this request${reasons ? ` (flagged: ${reasons})` : ''}. Rephrase it and try again.`;
      }
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
