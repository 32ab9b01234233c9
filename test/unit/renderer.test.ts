import { describe, expect, it } from 'vitest';
import { StreamRenderer } from '../../src/discord/renderer.js';
import { Buckets } from '../../src/discord/shared-bucket.js';
import type { MessagePayload, ReplySurface } from '../../src/discord/surface.js';
import { ManualTimers, settle } from '../helpers/manual-timers.js';

/** Records what a reply would look like in Discord: each message's content over time. */
function recordingSurface() {
  const messages: { id: string; contents: string[]; files: string[] }[] = [];
  const buckets = new Buckets();
  const surface: ReplySurface = {
    postBucket: () => buckets.get('posts'),
    async post(payload: MessagePayload) {
      const message = { id: String(messages.length), contents: [payload.content], files: (payload.files ?? []).map((f) => f.name) };
      messages.push(message);
      return {
        info: undefined,
        message: {
          id: message.id,
          channelId: 'c',
          editBucket: () => buckets.get('edits'),
          edit: async (p: MessagePayload) => {
            message.contents.push(p.content);
            message.files.push(...(p.files ?? []).map((f) => f.name));
            return undefined;
          },
        },
      };
    },
  };
  return { surface, messages, final: () => messages.map((m) => m.contents.at(-1)!) };
}

/**
 * A channel that counts like Discord: posts on one counter, edits of every message on another,
 * `limit` per window each, answering with the headers' state; it records the requests Discord
 * would have answered with 429. Each `surface()` is one more answer in it.
 */
function countingChannel(timers: ManualTimers, limit: number, windowMs: number) {
  const counter = () => ({ used: 0, resetAt: 0 });
  const counters = { posts: counter(), edits: counter() };
  const refused: string[] = [];
  const spend = (which: 'posts' | 'edits') => {
    const c = counters[which];
    const now = timers.now();
    if (now >= c.resetAt) Object.assign(c, { used: 0, resetAt: now + windowMs });
    if (c.used >= limit) refused.push(`${which}@${now}`);
    c.used++;
    return { remaining: Math.max(0, limit - c.used), resetAfterMs: c.resetAt - now };
  };
  const buckets = new Buckets(timers);
  const surface = () => {
    const contents: string[][] = [];
    const replies: ReplySurface = {
      postBucket: () => buckets.get('posts'),
      async post(payload) {
        const info = spend('posts');
        const shown = [payload.content];
        contents.push(shown);
        return {
          info,
          message: {
            id: String(contents.length),
            channelId: 'c',
            editBucket: () => buckets.get('edits'),
            edit: async (p) => {
              shown.push(p.content);
              return spend('edits');
            },
          },
        };
      },
    };
    return { replies, final: () => contents.map((c) => c.at(-1)!).join(' ') };
  };
  return { surface, refused };
}

/** Records every payload of a one-message reply, as sent. */
function payloadSurface() {
  const edits: MessagePayload[] = [];
  const buckets = new Buckets();
  const surface: ReplySurface = {
    postBucket: () => buckets.get('posts'),
    async post(payload) {
      edits.push(payload);
      return {
        info: undefined,
        message: {
          id: '1',
          channelId: 'c',
          editBucket: () => buckets.get('edits'),
          edit: async (p) => {
            edits.push(p);
            return undefined;
          },
        },
      };
    },
  };
  return { edits, surface };
}

const fenceCount = (s: string) => s.split('\n').filter((l) => /^\s{0,3}(```|~~~)/.test(l)).length;

describe('StreamRenderer', () => {
  it('shows the first text at once and the newest text after each edit', async () => {
    const { surface, messages } = recordingSurface();
    const r = new StreamRenderer(surface);
    r.append('Hel');
    await settle();
    expect(messages[0]!.contents).toEqual(['Hel']);
    r.append('lo, ');
    r.append('world');
    await settle();
    expect(messages[0]!.contents.at(-1)).toBe('Hello, world');
    await r.finish({ footer: '-# m' });
    expect(messages[0]!.contents.at(-1)).toBe('Hello, world\n-# m');
  });

  it('continues past the limit in new messages, fences balanced, nothing lost', async () => {
    const { surface, messages, final } = recordingSurface();
    const r = new StreamRenderer(surface, { limit: 200 });
    const text =
      'Intro paragraph.\n\n' +
      '```ts\n' +
      Array.from({ length: 30 }, (_, i) => `const value${i} = ${i};`).join('\n') +
      '\n```\n\nAfter the code.\n\n' +
      'Words '.repeat(60);
    for (let i = 0; i < text.length; i += 7) {
      r.append(text.slice(i, i + 7));
      if (i % 70 === 0) await settle();
    }
    await r.finish({ footer: '-# footer' });
    const shown = final();
    expect(shown.length).toBeGreaterThan(3);
    for (const content of shown) {
      expect(content.length).toBeLessThanOrEqual(200);
      expect(fenceCount(content) % 2).toBe(0);
    }
    const withoutAddedFences = shown
      .join('\n')
      .split('\n')
      .filter((l) => !/^```(ts)?$/.test(l) && l !== '-# footer')
      .join('');
    expect(withoutAddedFences.replace(/\s/g, '')).toBe(text.replace(/```(ts)?/g, '').replace(/\s/g, ''));
    expect(shown.at(-1)!.endsWith('-# footer')).toBe(true);
    // Messages were created in order.
    expect(messages.map((m) => m.id)).toEqual(messages.map((_, i) => String(i)));
  });

  it('never changes a message once a later one has started, until the end', async () => {
    const { surface, messages } = recordingSurface();
    const r = new StreamRenderer(surface, { limit: 100 });
    for (let i = 0; i < 50; i++) {
      r.append(`Line number ${i} of the answer.\n`);
      await settle();
    }
    const countsBefore = messages.map((m) => m.contents.length);
    const lastBefore = messages.slice(0, -1).map((m) => m.contents.at(-1));
    await r.finish();
    expect(messages.slice(0, -1).map((m) => m.contents.at(-1))).toEqual(lastBefore);
    expect(messages.slice(0, -1).map((m) => m.contents.length)).toEqual(countsBefore.slice(0, -1));
  });

  it('attaches files to the last message once, and puts the footer where it fits', async () => {
    const { surface, messages, final } = recordingSurface();
    const r = new StreamRenderer(surface, { limit: 50 });
    r.append('x'.repeat(45));
    await r.finish({ footer: '-# a footer that does not fit', files: [{ name: 'image-1.png', data: Buffer.from('png') }] });
    expect(final()).toEqual(['x'.repeat(45), '-# a footer that does not fit']);
    expect(messages[1]!.files).toEqual(['image-1.png']);
    expect(messages[0]!.files).toEqual([]);
  });

  it('posts messages in order when one update spans several of them', async () => {
    const { surface, final } = recordingSurface();
    const r = new StreamRenderer(surface, { limit: 100 });
    const paragraphs = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} `.padEnd(80, String(i)));
    r.append('start');
    r.append(`\n\n${paragraphs.join('\n\n')}`);
    // The split happens while streaming, when the first message's edit goes out.
    await settle();
    await r.finish();
    const shown = final();
    expect(shown.length).toBeGreaterThanOrEqual(6);
    expect(shown.join('\n\n').replace(/\s+/g, ' ')).toBe(['start', ...paragraphs].join(' ').replace(/\s+/g, ' '));
  });

  it('posts messages in order when the very first update spans several of them', async () => {
    const { surface, final } = recordingSurface();
    const r = new StreamRenderer(surface, { limit: 100 });
    const paragraphs = Array.from({ length: 4 }, (_, i) => `Paragraph ${i} `.padEnd(80, String(i)));
    r.append(paragraphs.join('\n\n'));
    await settle();
    await r.finish({ footer: '-# f' });
    const shown = final();
    expect(shown.map((m) => m.slice(0, 11))).toEqual(['Paragraph 0', 'Paragraph 1', 'Paragraph 2', 'Paragraph 3']);
    expect(shown.at(-1)!.endsWith('-# f')).toBe(true);
  });

  it('posts nothing until there is visible text', async () => {
    const { surface, messages, final } = recordingSurface();
    const r = new StreamRenderer(surface);
    r.append('\n\n');
    await settle();
    expect(messages).toHaveLength(0);
    r.append('Answer');
    await settle();
    await r.finish({ footer: '-# f' });
    expect(final()).toEqual(['\n\nAnswer\n-# f']);
  });

  it('shows a status line under the streaming text and drops it from the final message', async () => {
    const { surface, messages, final } = recordingSurface();
    let seconds = 0;
    const r = new StreamRenderer(surface, { status: () => `-# working… ${seconds} s` });
    r.refresh();
    await settle();
    expect(messages[0]!.contents).toEqual(['-# working… 0 s']);
    seconds = 2;
    r.append('Some text');
    await settle();
    expect(messages[0]!.contents.at(-1)).toBe('Some text\n-# working… 2 s');
    await r.finish({ footer: '-# done' });
    expect(final()).toEqual(['Some text\n-# done']);
  });

  it('shows the newest preview under the status line, uploads each once, and the final files replace it', async () => {
    const { edits, surface } = payloadSurface();
    const preview1 = { name: 'preview.webp', data: Buffer.from('1') };
    const preview2 = { name: 'preview.webp', data: Buffer.from('2') };
    let preview: typeof preview1 | undefined;
    let tick = 0;
    const r = new StreamRenderer(surface, { status: () => `-# working ${tick}`, preview: () => preview });
    r.refresh();
    await settle();
    preview = preview1;
    r.refresh();
    await settle();
    tick++;
    r.refresh();
    await settle();
    preview = preview2;
    r.refresh();
    await settle();
    const image = { name: 'image-1.png', data: Buffer.from('final') };
    await r.finish({ footer: '-# m', files: [image] });
    expect(edits.map((e) => [e.content, e.files?.map((f) => f.data.toString())])).toEqual([
      ['-# working 0', undefined],
      ['-# working 0', ['1']],
      // A status tick does not upload the same preview again.
      ['-# working 1', undefined],
      ['-# working 1', ['2']],
      ['-# m', ['final']],
    ]);
  });

  it('removes a preview when the answer ends without files', async () => {
    const { edits, surface } = payloadSurface();
    const r = new StreamRenderer(surface, { status: () => '-# working', preview: () => ({ name: 'preview.webp', data: Buffer.from('p') }) });
    r.refresh();
    await settle();
    await r.finish({ notice: '⏹️ Stopped.' });
    expect(edits.at(-1)).toEqual({ content: '⏹️ Stopped.', files: [] });
  });

  it('shows a notice alone when there is no text', async () => {
    const { surface, final } = recordingSurface();
    const r = new StreamRenderer(surface);
    await r.finish({ notice: '⚠️ nope' });
    expect(final()).toEqual(['⚠️ nope']);
  });

  it('gives the last message, with the end of the text, the first turn of the final edits', async () => {
    const buckets = new Buckets();
    const log: string[] = [];
    let posts = 0;
    const surface: ReplySurface = {
      postBucket: () => buckets.get('posts'),
      async post(payload) {
        const id = String(posts++);
        log.push(`post ${id}`);
        return {
          info: undefined,
          message: {
            id,
            channelId: 'c',
            editBucket: () => buckets.get('edits'),
            edit: async (p) => {
              log.push(`edit ${id}${p.content.includes('-# f') ? ' footer' : ''}`);
              return undefined;
            },
          },
        };
      },
    };
    const r = new StreamRenderer(surface, { limit: 60, controls: [{ type: 1 }] });
    r.append(Array.from({ length: 16 }, (_, i) => `word${i}`).join(' '));
    await settle();
    expect(log.filter((l) => l.startsWith('post'))).toEqual(['post 0', 'post 1']);
    log.length = 0;
    // The first message only swaps its Stop button for the final components.
    await r.finish({ footer: '-# f', components: [] });
    expect(log).toEqual(['edit 1 footer', 'edit 0']);
  });

  it('posts answers starting together in one channel at once while its send counter has room, not a spread apart', async () => {
    const timers = new ManualTimers();
    const channel = countingChannel(timers, 3, 1000);
    const postedAt: number[] = [];
    const answers = [channel.surface(), channel.surface(), channel.surface()].map(({ replies }) => ({
      ...replies,
      post: (payload: MessagePayload) => {
        postedAt.push(timers.now());
        return replies.post(payload);
      },
    }));
    const renderers = answers.map((a) => new StreamRenderer(a));
    for (const r of renderers) r.append('first words');
    await settle();
    for (let i = 0; i < 10; i++) {
      timers.advance(10);
      await settle();
    }
    expect(postedAt).toEqual([0, 0, 0]);
    expect(channel.refused).toEqual([]);
  });

  it('shares one channel’s edit bucket between its answers, spending no more than it has left', async () => {
    const timers = new ManualTimers();
    const channel = countingChannel(timers, 3, 1000);
    const answers = [channel.surface(), channel.surface(), channel.surface()];
    const renderers = answers.map((a) => new StreamRenderer(a.replies));
    const words = Array.from({ length: 100 }, (_, i) => `word${i}`);
    for (const word of words) {
      for (const r of renderers) r.append(`${word} `);
      timers.advance(20);
      await settle();
    }
    const finished = Promise.all(renderers.map((r) => r.finish({ footer: '-# f' })));
    for (let i = 0; i < 20; i++) {
      timers.advance(250);
      await settle();
    }
    await finished;
    expect(channel.refused).toEqual([]);
    for (const a of answers) expect(a.final()).toBe(`${words.join(' ')} \n-# f`);
  });
});
