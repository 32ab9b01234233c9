import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Interruption } from '../openrouter/call.js';
import { STOPPED_BY_USER } from '../running-answers.js';

/** How an answer ended, as operators count them. */
export type AnswerOutcome = 'ok' | 'interrupted' | 'stopped' | 'refused' | 'failed';

export interface AnsweredFigures {
  kind: 'chat' | 'image';
  outcome: AnswerOutcome;
  ttftMs?: number | undefined;
  totalMs: number;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  cost?: number | undefined;
}

/** How a streamed answer ended, from why it stopped (if it did). */
export function outcomeOf(interruption: Interruption | undefined): AnswerOutcome {
  if (!interruption) return 'ok';
  return interruption.kind === 'aborted' && interruption.reason === STOPPED_BY_USER ? 'stopped' : 'interrupted';
}

const SECONDS = [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];

/**
 * The process's Prometheus metrics, labelled with the shards it runs so one scrape config covers
 * every process. Each answer is counted once, when it ends.
 */
export class BotMetrics {
  readonly registry = new Registry();
  private readonly answers = new Counter({ name: 'bot_answers_total', help: 'Answers by kind and how they ended', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  private readonly ttft = new Histogram({ name: 'bot_time_to_first_token_seconds', help: 'From the request to the first token of the answer', labelNames: ['kind'], buckets: SECONDS, registers: [this.registry] });
  private readonly total = new Histogram({ name: 'bot_answer_duration_seconds', help: 'From the request to the answer shown in full', labelNames: ['kind'], buckets: SECONDS, registers: [this.registry] });
  private readonly tokens = new Counter({ name: 'bot_tokens_total', help: 'Tokens OpenRouter reported', labelNames: ['kind', 'direction'], registers: [this.registry] });
  private readonly cost = new Counter({ name: 'bot_cost_usd_total', help: 'Cost OpenRouter reported, in US dollars', labelNames: ['kind'], registers: [this.registry] });
  private readonly openrouterErrors = new Counter({ name: 'bot_openrouter_errors_total', help: 'OpenRouter failures by HTTP status or error code', labelNames: ['code'], registers: [this.registry] });
  private readonly rateLimited = new Counter({ name: 'bot_discord_rate_limited_total', help: 'Discord 429s, by scope (user, shared, global)', labelNames: ['scope'], registers: [this.registry] });
  private readonly streams = new Gauge({ name: 'bot_open_streams', help: 'Answers streaming right now', registers: [this.registry] });

  /**
   * `restBusy` counts the REST client's rate-limit queues with requests waiting or in flight
   * (@discordjs/rest shows whether a queue is idle, not its length).
   */
  constructor(shards: string, restBusy: () => number) {
    this.registry.setDefaultLabels({ shard: shards });
    new Gauge({
      name: 'bot_discord_rest_busy_queues',
      help: 'Discord REST rate-limit queues with requests waiting or in flight',
      registers: [this.registry],
      collect() {
        this.set(restBusy());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  answered(f: AnsweredFigures): void {
    this.answers.inc({ kind: f.kind, outcome: f.outcome });
    if (f.ttftMs !== undefined) this.ttft.observe({ kind: f.kind }, f.ttftMs / 1000);
    this.total.observe({ kind: f.kind }, f.totalMs / 1000);
    if (f.promptTokens) this.tokens.inc({ kind: f.kind, direction: 'prompt' }, f.promptTokens);
    if (f.completionTokens) this.tokens.inc({ kind: f.kind, direction: 'completion' }, f.completionTokens);
    if (f.cost) this.cost.inc({ kind: f.kind }, f.cost);
  }

  openrouterError(code: number | string | undefined): void {
    this.openrouterErrors.inc({ code: String(code ?? 'network') });
  }

  discordRateLimited(scope: string): void {
    this.rateLimited.inc({ scope });
  }

  /** Counts a stream as open until the returned function is called. */
  streamOpened(): () => void {
    this.streams.inc();
    let closed = false;
    return () => {
      if (!closed) this.streams.dec();
      closed = true;
    };
  }
}
