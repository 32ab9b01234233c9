import { describe, expect, it } from 'vitest';
import { threadName } from '../../src/discord/answer-thread.js';

describe('threadName', () => {
  it('takes the question’s first non-empty line, whitespace folded', () => {
    expect(threadName('\n\n  What   is a   monad?\nExplain simply.')).toBe('What is a monad?');
  });

  it('stays within Discord’s 100 characters, cut at a word', () => {
    const name = threadName(`${'word '.repeat(40)}end`);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name).toMatch(/^word( word)+…$/);
    expect(threadName('x'.repeat(150))).toBe(`${'x'.repeat(99)}…`);
  });

  it('has a name even for a question with no words', () => {
    expect(threadName('   \n ')).toBe('Answer');
  });
});
