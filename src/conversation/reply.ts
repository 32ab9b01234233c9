import { StreamRenderer, type FinishOptions } from '../discord/renderer.js';
import type { OutgoingFile, ReplySurface } from '../discord/surface.js';
import type { Logger } from '../logger.js';
import type { AnsweredFigures, BotMetrics } from '../ops/metrics.js';
import type { RequestFailed } from '../openrouter/call.js';
import { failureCode } from '../openrouter/errors.js';
import type { FinalControls } from './conversation.js';
import { UserError } from '../user-error.js';
import { Progress, PROGRESS_TICK_MS } from './progress.js';

/** Where a turn is answered and who can stop it. */
export interface ReplyTarget {
  channelId: string;
  author: { id: string };
  surface: ReplySurface;
  /** Stop button or shutdown. */
  signal?: AbortSignal | undefined;
  /** Components shown under the answer while it works (see the renderer). */
  controls?: object[] | undefined;
}

export interface ReplyOptions {
  mode: 'chat' | 'image';
  modelId: string;
  showReasoning: boolean;
  /** An image shown while the model works (the newest partial image). */
  preview?: () => OutgoingFile | undefined;
}

/**
 * What every turn does around its request: the reply that streams and its progress line, one
 * signal that ends the request (Stop, shutdown, or Discord refusing the reply: nobody can see the
 * answer any more, so stop paying for it), refusals and failures shown where the answer would be.
 */
export class TurnReply {
  readonly log: Logger;
  readonly progress: Progress;
  readonly renderer: StreamRenderer;
  readonly started = performance.now();
  private readonly stop = new AbortController();
  private readonly onCancel = () => this.stop.abort(this.target.signal?.reason);
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: { logger: Logger; metrics: BotMetrics },
    private readonly target: ReplyTarget,
    private readonly options: ReplyOptions,
  ) {
    this.log = services.logger.child({ channel: target.channelId, user: target.author.id, model: options.modelId, mode: options.mode });
    if (target.signal?.aborted) this.onCancel();
    target.signal?.addEventListener('abort', this.onCancel, { once: true });
    this.progress = new Progress(options);
    this.renderer = new StreamRenderer(target.surface, {
      onError: (err) => {
        this.log.warn({ err }, 'discord rejected an update; stopping the answer');
        this.stop.abort('reply unavailable');
      },
      ...(target.controls ? { controls: target.controls } : {}),
      status: () => this.progress.status(),
      ...(options.preview ? { preview: options.preview, reserve: 1 } : {}),
    });
    // Elapsed time ticks while an image is made or a model thinks; the scheduler decides when it is shown.
    this.ticker = setInterval(() => (this.progress.live ? this.renderer.refresh() : clearInterval(this.ticker)), PROGRESS_TICK_MS);
    if (options.mode === 'image') this.renderer.refresh();
  }

  /** Ends the request: Stop, shutdown, or the reply gone. */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** The final state of the reply; false when Discord would not take it (logged). */
  show(options: FinishOptions): Promise<boolean> {
    clearInterval(this.ticker);
    return this.renderer.finish(options).then(
      () => true,
      (err: unknown) => {
        this.log.warn({ err }, 'the answer could not be shown in Discord');
        return false;
      },
    );
  }

  /**
   * Runs the checks made before anything is spent. A refusal (UserError) becomes the reply and a
   * log line, and gives undefined; anything else is the bot's fault and is thrown.
   */
  async checked<T>(run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      this.log.info({ reason: error.message }, 'request refused');
      this.counted({ outcome: 'refused' });
      await this.show({ notice: `⚠️ ${error.message}` });
      return undefined;
    }
  }

  /** A request that failed before any of the answer arrived: said with what to do about it. */
  async failed(error: RequestFailed, explanation: string): Promise<void> {
    this.log.warn({ err: error.cause }, 'openrouter request failed');
    this.services.metrics.openrouterError(failureCode(error.cause));
    this.counted({ outcome: 'failed' });
    await this.show({ notice: `⚠️ ${explanation}` });
  }

  /**
   * A finished answer, in the metrics and in its `answered` log line (`fields`, beside the total
   * time; what people asked for never goes in it).
   */
  answered(figures: Omit<AnsweredFigures, 'kind' | 'totalMs'>, fields: Record<string, unknown>): void {
    const totalMs = this.counted(figures);
    this.log.info({ ...fields, totalMs: Math.round(totalMs) }, 'answered');
  }

  /** Counts the answer by how it ended; the time it took, ms. */
  private counted(figures: Omit<AnsweredFigures, 'kind' | 'totalMs'>): number {
    const totalMs = performance.now() - this.started;
    this.services.metrics.answered({ ...figures, kind: this.options.mode, totalMs });
    return totalMs;
  }

  /** The finished answer's buttons; none, with a log line, when they can't be made. */
  async buttons(make: (() => Promise<FinalControls>) | undefined): Promise<FinalControls> {
    if (!make) return { components: [] };
    return make().catch((err: unknown) => {
      this.log.warn({ err }, 'could not prepare the answer’s buttons');
      return { components: [] };
    });
  }

  dispose(): void {
    clearInterval(this.ticker);
    // The shutdown signal lives as long as the bot: don't leave one listener per answer on it.
    this.target.signal?.removeEventListener('abort', this.onCancel);
  }
}
