import { elapsed, reasoningExcerpt, thinkingStatus } from '../discord/thinking.js';

/** A chat answer that hasn't begun by now gets a visible timer (Discord's own "thinking…" has none). */
export const QUIET_BEFORE_STATUS_MS = 1_500;
/** How often the elapsed time is offered to the renderer; its scheduler decides what is sent. */
export const PROGRESS_TICK_MS = 2_000;
/** Reasoning kept for the live excerpt; the full text is the stream outcome's. */
const TAIL_CHARS = 2_000;

/**
 * The status line under a reply in progress: an image model working, or a model thinking before
 * its answer begins (with the newest reasoning when `show_reasoning` is on). Once the answer's
 * text is streaming, a chat reply shows nothing but the text.
 */
export class Progress {
  private tail = '';
  private reasoned = false;
  private answering = false;
  private detail = '';
  private readonly started: number;

  constructor(
    private readonly options: { mode: 'chat' | 'image'; modelId: string; showReasoning: boolean; now?: () => number },
  ) {
    this.started = this.now();
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  onReasoning(delta: string): void {
    this.reasoned = true;
    if (delta) this.tail = (this.tail + delta).slice(-TAIL_CHARS);
  }

  onAnswer(): void {
    this.answering = true;
  }

  /** What an image model has done so far (`preview 2`, `1 of 3 done`), after the elapsed time. */
  setDetail(detail: string): void {
    this.detail = detail;
  }

  /** False once nothing about the status can change any more. */
  get live(): boolean {
    return this.options.mode === 'image' || !this.answering;
  }

  status(): string | undefined {
    const ms = this.now() - this.started;
    const reasoning = this.options.showReasoning ? this.tail : '';
    if (this.options.mode === 'image') {
      const excerpt = reasoning ? reasoningExcerpt(reasoning) : '';
      return `-# 🎨 \`${this.options.modelId}\` is working… ${elapsed(ms)}${this.detail ? ` · ${this.detail}` : ''}${excerpt ? `\n-# ${excerpt}` : ''}`;
    }
    if (this.answering) return undefined;
    if (!this.reasoned && ms < QUIET_BEFORE_STATUS_MS) return undefined;
    return thinkingStatus(ms, reasoning);
  }
}
