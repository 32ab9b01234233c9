import { afterEach, describe, expect, it } from 'vitest';
import { text } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER } from '../helpers/replies.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const ask = async () => {
  h.openrouter.reply({ steps: text('fine') });
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'ask', options: askOptions('hi') });
  await h.discord.waitFor(() => FOOTER.test(i.original()?.content ?? ''), { what: 'answer' });
  return h.openrouter.chatRecords().at(-1)!.headers;
};
const imagine = async () => {
  const i = await h.discord.slash({ channelId: h.discord.defaultChannelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a cat' }, { name: 'model', type: 3, value: 'black-forest-labs/flux.2-pro' }] });
  await h.discord.waitFor(() => FOOTER.test(i.original()?.content ?? ''), { what: 'image' });
  return h.openrouter.images.records().at(-1)!.headers;
};

describe('OpenRouter app attribution', () => {
  it('by default sends no referer and the bot’s Discord name as the title', async () => {
    h = await startHarness();
    for (const headers of [await ask(), await imagine()]) {
      expect(headers['http-referer']).toBeUndefined();
      expect(headers['x-openrouter-title']).toBe(h.discord.botUser.username);
    }
  });

  it('sends the operator’s OPENROUTER_APP_URL and OPENROUTER_APP_TITLE on chat and Image API requests', async () => {
    h = await startHarness({ env: { OPENROUTER_APP_URL: 'https://bots.example/askbot', OPENROUTER_APP_TITLE: 'AskBot for Example' } });
    for (const headers of [await ask(), await imagine()]) {
      expect(headers['http-referer']).toBe('https://bots.example/askbot');
      expect(headers['x-openrouter-title']).toBe('AskBot for Example');
    }
  });
});
