import { describe, expect, it } from 'vitest';
import { headerText } from '../../src/openrouter/client.js';

describe('headerText', () => {
  it('keeps printable ASCII and drops what a header can’t carry', () => {
    expect(headerText('AskBot')).toBe('AskBot');
    expect(headerText('Ask ✨ Bot')).toBe('Ask Bot');
    expect(headerText('Ünïcode')).toBe('n code');
    expect(headerText('line\r\nbreak')).toBe('line break');
    expect(headerText('x'.repeat(150))).toHaveLength(100);
  });

  it('gives nothing for nothing, or for a name with no ASCII at all', () => {
    expect(headerText(undefined)).toBeUndefined();
    expect(headerText('小助手')).toBeUndefined();
  });
});
