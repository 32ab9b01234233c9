import { EditScheduler } from './edit-scheduler.js';
import type { Outcome, SharedBucket } from './shared-bucket.js';
import { splitMarkdown } from './split.js';
import type { MessagePayload, OutgoingFile, PostedMessage, ReplySurface } from './surface.js';

export const MESSAGE_LIMIT = 2000;
const EMPTY_ANSWER = '*(no text in the answer)*';
const NO_COMPONENTS: object[] = [];
const NO_FILES: readonly OutgoingFile[] = [];

/** Names the files only when they differ from what the message carries: `[]` removes them. */
function withFiles(payload: MessagePayload, slot: Slot | undefined, wanted: readonly OutgoingFile[]): MessagePayload {
  const shown = slot?.shown ?? NO_FILES;
  const same = wanted.length === shown.length && wanted.every((f, i) => f === shown[i]);
  return same ? payload : { ...payload, files: [...wanted] };
}

export interface FinishOptions {
  /** A `-# ` subtext line for the end of the answer. */
  footer?: string;
  /** Attached to the last message. */
  files?: OutgoingFile[];
  /** Said after the text, e.g. why the answer stopped early. */
  notice?: string;
  /** Components of the finished answer's first message, in place of the streaming controls. */
  components?: object[];
}

interface Slot {
  scheduler: EditScheduler<MessagePayload>;
  message?: PostedMessage;
  /** The files the message carries now (Discord keeps them through edits that name none). */
  shown: readonly OutgoingFile[];
}

/**
 * Shows a growing markdown text as a reply that is edited as the text arrives, continuing in
 * follow-up messages past Discord's 2,000 characters, with code fences balanced in each message.
 *
 * Chunks before the last one never change once a later one exists (the splitter is prefix-stable),
 * so only the tail is ever re-split, and only when an edit is actually about to go out.
 */
export class StreamRenderer {
  private text = '';
  /** Whether the text has anything visible yet (kept, not re-checked: trimming the whole text per token is quadratic). */
  private visible = false;
  /** Final content of chunks that a later chunk has sealed. */
  private readonly sealed: string[] = [];
  private tail = { start: 0, openFence: null as string | null, text: '', version: -1 };
  private version = 0;
  private readonly slots: Slot[] = [];
  private finishing: { footer: string; files: OutgoingFile[]; components: object[] } | undefined;
  private postChain: Promise<unknown> = Promise.resolve();
  /**
   * When the answer's messages last caught up (any of them sent), or it first waited: one value for
   * all of them, so that its own messages keep the order finish() gives them.
   */
  private shownSince: number | undefined;

  constructor(
    private readonly surface: ReplySurface,
    private readonly options: {
      limit?: number;
      onError?: (error: unknown) => void;
      /** A line shown under the text while it streams (progress); gone from the final message. */
      status?: () => string | undefined;
      /** Components on the first message while the answer streams (a Stop button); removed at the end. */
      controls?: object[];
      /** An image on the last message while it streams (the newest partial image); the final files replace it. */
      preview?: () => OutgoingFile | undefined;
      /** Edits of the bucket that streaming leaves for the final one, so that it never waits for a reset. */
      reserve?: number;
    } = {},
  ) {}

  get limit(): number {
    return this.options.limit ?? MESSAGE_LIMIT;
  }

  /** Messages posted so far, in order. */
  get messages(): PostedMessage[] {
    return this.slots.flatMap((s) => (s.message ? [s.message] : []));
  }

  append(delta: string): void {
    if (!delta || this.finishing) return;
    const first = !this.visible && delta.trim() !== '';
    if (first) this.visible = true;
    this.text += delta;
    this.version++;
    const last = this.slots.at(-1);
    // The answer's first words replace a progress line: show them as soon as the bucket allows,
    // not at the even pace the progress edits were spread at.
    if (last) last.scheduler.markDirty(first);
    else this.ensureSlots(1);
  }

  /** The status line changed: show it with the next edit the bucket allows. */
  refresh(): void {
    if (this.finishing) return;
    const last = this.slots.at(-1);
    if (last) last.scheduler.markDirty();
    else this.ensureSlots(1);
  }

  /** Final text, footer and files; resolves when all of it has landed. */
  async finish({ footer, files = [], notice, components = NO_COMPONENTS }: FinishOptions = {}): Promise<void> {
    // Straight into the final text: through append() it could go out once with the status line.
    if (notice) this.text += this.text ? `\n\n${notice}` : notice;
    this.finishing = { footer: footer ?? '', files, components };
    this.version++;
    this.sync();
    this.ensureSlots(this.finalContents().length);
    // The last posted message takes its turn first: it carries the newest text and the footer, while
    // an earlier one, sealed, often only swaps its controls, and with one request left in the window
    // the text would wait out the reset behind it. Messages not posted yet go in order (posts must).
    const posted = this.slots.filter((slot) => slot.message);
    const order = [...this.slots.filter((slot) => !slot.message), ...posted.reverse()];
    await Promise.all(order.map((slot) => slot.scheduler.flush()));
  }

  /**
   * Creates the missing messages' schedulers. They start on the next microtask: this may run inside
   * an earlier message's read, whose own post must be queued first, since posts go out in order.
   * A post is urgent: it is the first a reader sees of the answer (or of its newest text), and the
   * even spread would only hold it back (answers starting together in one channel would appear
   * one spread apart, while the first to appear took the channel's edits for itself).
   */
  private ensureSlots(count: number): void {
    const added: Slot[] = [];
    while (this.slots.length < count) added.push(this.newSlot(this.slots.length));
    if (added.length) queueMicrotask(() => added.forEach((slot) => slot.scheduler.markDirty(true)));
  }

  private newSlot(index: number): Slot {
    const slot: Slot = {
      shown: [],
      scheduler: new EditScheduler<MessagePayload>({
        read: () => this.payloadFor(index),
        same: (next, sent) => next.content === sent.content && !next.files && next.components === sent.components,
        send: (payload) => this.send(slot, index, payload),
        // Every message of the answer, and every answer in the channel, spends from its bucket in turn.
        bucket: () => this.bucketOf(slot, index),
        since: () => (this.shownSince ??= this.bucketOf(slot, index).now()),
        ...(this.options.reserve ? { reserve: this.options.reserve } : {}),
      }),
    };
    this.slots.push(slot);
    return slot;
  }

  private bucketOf(slot: Slot, index: number): SharedBucket {
    return slot.message?.editBucket() ?? this.surface.postBucket(index);
  }

  private async send(slot: Slot, index: number, payload: MessagePayload): Promise<Outcome> {
    // Discord refuses a message with nothing visible in it (an answer often starts with newlines).
    if (payload.content.trim() === '' && !payload.files?.length) return 'unsent';
    this.shownSince = this.bucketOf(slot, index).now();
    try {
      if (!slot.message) {
        // Posts are chained so that messages appear in order even when several start at once.
        const posted = this.postChain.then(() => this.surface.post(payload));
        this.postChain = posted.catch(() => undefined);
        const { message, info } = await posted;
        slot.message = message;
        if (payload.files) slot.shown = payload.files;
        return info;
      }
      const info = await slot.message.edit(payload);
      if (payload.files) slot.shown = payload.files;
      return info;
    } catch (error) {
      this.options.onError?.(error);
      throw error;
    }
  }

  private payloadFor(index: number): MessagePayload {
    const payload = this.contentFor(index);
    if (index !== 0) return payload;
    // The same array objects each time, so `same()` can compare them by identity.
    const components = this.finishing ? this.finishing.components : this.options.controls;
    if (!components || (components === NO_COMPONENTS && !this.options.controls)) return payload;
    return { ...payload, components };
  }

  private contentFor(index: number): MessagePayload {
    const slot = this.slots[index];
    if (this.finishing) {
      const contents = this.finalContents();
      const wanted = index === contents.length - 1 ? this.finishing.files : NO_FILES;
      return withFiles({ content: contents[index] ?? '' }, slot, wanted);
    }
    if (index === this.slots.length - 1) {
      this.sync();
      // The split may have sealed this chunk and started new ones: give them messages.
      this.ensureSlots(this.sealed.length + 1);
    }
    if (index < this.sealed.length) return { content: this.sealed[index]! };
    const status = this.options.status?.();
    const text = this.tail.text;
    const preview = this.options.preview?.();
    const content = !status ? text : text.trim() === '' ? status : text.length + 1 + status.length <= this.limit ? `${text}\n${status}` : text;
    return preview ? withFiles({ content }, slot, [preview]) : { content };
  }

  /** Re-splits the unsealed tail if the text changed, sealing every chunk but the last. */
  private sync(): void {
    if (this.tail.version === this.version) return;
    const source = this.text.slice(this.tail.start);
    const chunks = splitMarkdown(source, { limit: this.limit, ...(this.tail.openFence ? { openFence: this.tail.openFence } : {}) });
    for (const chunk of chunks.slice(0, -1)) this.sealed.push(chunk.text);
    const last = chunks.at(-1);
    if (last) this.tail = { start: this.tail.start + last.start, openFence: last.openFence, text: last.text, version: this.version };
    else this.tail = { ...this.tail, text: '', version: this.version };
  }

  private finalContents(): string[] {
    const contents = [...this.sealed, this.tail.text].filter((c) => c.trim() !== '');
    const footer = this.finishing?.footer ?? '';
    const last = contents.at(-1);
    if (!footer) return contents.length ? contents : [EMPTY_ANSWER];
    if (last === undefined) return [footer];
    if (last.length + 1 + footer.length <= this.limit) return [...contents.slice(0, -1), `${last}\n${footer}`];
    return [...contents, footer];
  }
}
