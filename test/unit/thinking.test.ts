import { describe, expect, it } from 'vitest';
import { formatFooter } from '../../src/conversation/footer.js';
import { Progress, QUIET_BEFORE_STATUS_MS } from '../../src/conversation/progress.js';
import { EXCERPT_MAX_CHARS, reasoningExcerpt, thinkingStatus } from '../../src/discord/thinking.js';

describe('thinking status', () => {
  it('shows the time and, when given, the newest reasoning as one escaped subtext line', () => {
    expect(thinkingStatus(12_400)).toBe('-# 💭 Thinking… 12 s');
    expect(thinkingStatus(3_000, '**Planning**\n\nI should `check` ||this|| and see https://example.com')).toBe(
      '-# 💭 Thinking… 3 s\n-# Planning I should check this and see <https://example.com>',
    );
  });

  it('keeps the excerpt short, cut at a word, whatever the reasoning’s length', () => {
    const excerpt = reasoningExcerpt(`${'word '.repeat(500)}the end`);
    expect(excerpt.length).toBeLessThanOrEqual(EXCERPT_MAX_CHARS + 1);
    expect(excerpt.startsWith('…word')).toBe(true);
    expect(excerpt.endsWith('the end')).toBe(true);
    expect(reasoningExcerpt('   \n ')).toBe('');
  });

  it('can’t open a code block, a quote or a heading inside the reply', () => {
    const excerpt = reasoningExcerpt('```js\n# Heading\n> quote\n~~gone~~ _x_ @everyone');
    expect(excerpt).not.toMatch(/```|^#|\n/);
    expect(excerpt).toContain('@everyone');
  });
});

describe('Progress', () => {
  it('says nothing for a quick answer, then a timer while the model is quiet, and nothing once the answer streams', () => {
    let now = 0;
    const p = new Progress({ mode: 'chat', modelId: 'a/b', showReasoning: true, now: () => now });
    expect(p.status()).toBeUndefined();
    now = QUIET_BEFORE_STATUS_MS;
    expect(p.status()).toBe('-# 💭 Thinking… 2 s');
    p.onAnswer();
    expect(p.status()).toBeUndefined();
    expect(p.live).toBe(false);
  });

  it('shows thinking as soon as reasoning arrives, with its text only when show_reasoning is on', () => {
    let now = 100;
    const shown = new Progress({ mode: 'chat', modelId: 'a/b', showReasoning: true, now: () => now });
    const hidden = new Progress({ mode: 'chat', modelId: 'a/b', showReasoning: false, now: () => now });
    now = 600;
    for (const p of [shown, hidden]) p.onReasoning('Weighing the options');
    expect(shown.status()).toBe('-# 💭 Thinking… 1 s\n-# Weighing the options');
    expect(hidden.status()).toBe('-# 💭 Thinking… 1 s');
    const encrypted = new Progress({ mode: 'chat', modelId: 'a/b', showReasoning: true, now: () => now });
    encrypted.onReasoning('');
    expect(encrypted.status()).toBe('-# 💭 Thinking… 0 s');
  });

  it('keeps the image model’s working line, adding reasoning when shown', () => {
    let now = 0;
    const p = new Progress({ mode: 'image', modelId: 'x/img', showReasoning: true, now: () => now });
    expect(p.status()).toBe('-# 🎨 `x/img` is working… 0 s');
    now = 4_000;
    p.onReasoning('Composing the scene');
    p.onAnswer();
    expect(p.status()).toBe('-# 🎨 `x/img` is working… 4 s\n-# Composing the scene');
    expect(p.live).toBe(true);
  });
});

describe('footer with reasoning', () => {
  it('says how long the model thought, its reasoning tokens, and remarks, one subtext line each', () => {
    expect(
      formatFooter('openai/gpt-5', { promptTokens: 10, completionTokens: 900, totalTokens: 910, cost: 0.01, reasoningTokens: 850 }, { thinkingMs: 14_200, notes: ['temperature not supported by this model'] }),
    ).toBe('-# 💭 thought for 14 s\n-# openai/gpt-5 · 910 tokens (10 in, 900 out incl. 850 reasoning) · $0.0100\n-# temperature not supported by this model');
    expect(formatFooter('a/b', undefined, { thinkingMs: 200 })).toBe('-# 💭 thought for 1 s\n-# a/b');
  });
});
