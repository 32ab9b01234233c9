import { escapeMarkdown } from 'discord.js';

/** Longest reasoning excerpt shown while a model thinks: a glimpse, not a second answer. */
export const EXCERPT_MAX_CHARS = 280;

/**
 * The newest reasoning as one short line: emphasis markers dropped (summaries are full of
 * `**Headings**`), the rest escaped so it can't open a code block or a spoiler, links kept from
 * unfurling into embeds.
 */
export function reasoningExcerpt(reasoning: string, max = EXCERPT_MAX_CHARS): string {
  const flat = reasoning.replace(/[*_~`|]/g, '').replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  let tail = flat;
  if (flat.length > max) {
    const cut = flat.slice(-max);
    const space = cut.indexOf(' ');
    tail = `…${space > 0 && space < 40 ? cut.slice(space + 1) : cut}`;
  }
  return escapeMarkdown(tail).replace(/(https?:\/\/\S+)/g, '<$1>');
}

/** A running timer's reading. */
export function elapsed(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** The status lines shown while a model thinks and its answer hasn't begun. */
export function thinkingStatus(elapsedMs: number, reasoning?: string): string {
  const head = `-# 💭 Thinking… ${elapsed(elapsedMs)}`;
  const excerpt = reasoning ? reasoningExcerpt(reasoning) : '';
  return excerpt ? `${head}\n-# ${excerpt}` : head;
}
