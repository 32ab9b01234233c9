import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PNG_1X1 } from '../fakes/openrouter.js';
import { askOptions, startHarness, type Harness } from '../helpers/harness.js';
import { FOOTER_OR_NOTICE } from '../helpers/replies.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ env: { MAX_ATTACHMENT_MB: '1' } });
});
afterEach(async () => {
  await h.close();
});

const PNG = Buffer.from(PNG_1X1.split(',')[1]!, 'base64');

async function askWith(file: { filename: string; contentType?: string; data: Buffer; declaredSize?: number }, model?: string) {
  const interaction = await h.discord.slash({
    channelId: h.discord.defaultChannelId,
    name: 'ask',
    options: askOptions('what is in this file?', model ? { model } : {}),
    attachments: [{ option: 'attachment', ...file }],
  });
  await h.discord.waitFor(() => interaction.original()?.content, { what: 'a reply' });
  await h.discord.waitFor(() => FOOTER_OR_NOTICE.test(interaction.original()!.content), { what: 'a final reply' });
  return interaction;
}

const userContent = () => {
  const last = h.openrouter.chatRequests().at(-1) as { messages: { role: string; content: unknown }[] };
  return last.messages.at(-1)!.content as { type: string; [k: string]: unknown }[];
};

describe('/ask attachments', () => {
  it('sends an image as base64 bytes, not a Discord link', async () => {
    await askWith({ filename: 'cat.png', contentType: 'image/png', data: PNG });
    const content = userContent();
    expect(content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('what is in this file?') });
    expect(content[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } });
    expect(JSON.stringify(content)).not.toContain(h.discord.origin);
  });

  it('sends a text file as text', async () => {
    await askWith({ filename: 'notes.md', contentType: 'text/markdown; charset=utf-8', data: Buffer.from('# Title\nSome notes') });
    expect(userContent()[1]).toEqual({ type: 'text', text: 'File notes.md:\n```\n# Title\nSome notes\n```' });
  });

  it('sends a PDF as a file part', async () => {
    const pdf = Buffer.from('%PDF-1.4\n%fake but well-formed header\n');
    await askWith({ filename: 'paper.pdf', contentType: 'application/pdf', data: pdf });
    expect(userContent()[1]).toEqual({ type: 'file', file: { filename: 'paper.pdf', file_data: `data:application/pdf;base64,${pdf.toString('base64')}` } });
  });

  it('refuses an unsupported type with a clear message and calls no model', async () => {
    const interaction = await askWith({ filename: 'song.mp3', contentType: 'audio/mpeg', data: Buffer.from('ID3') });
    expect(interaction.original()!.content).toMatch(/⚠️ I can’t read \*\*song\.mp3\*\*.*image.*PDF.*text file/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });

  it('refuses a file over the size limit before downloading it', async () => {
    const interaction = await askWith({ filename: 'big.png', contentType: 'image/png', data: PNG, declaredSize: 5 * 1024 * 1024 });
    expect(interaction.original()!.content).toMatch(/⚠️ \*\*big\.png\*\* is 5\.0 MB; the limit is 1\.0 MB/);
    expect(h.discord.downloads).toHaveLength(0);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });

  it('refuses an image the model cannot see', async () => {
    h.openrouter.models.push({ id: 'acme/text-only', input_modalities: ['text'], output_modalities: ['text'] });
    const interaction = await askWith({ filename: 'cat.png', contentType: 'image/png', data: PNG }, 'acme/text-only');
    expect(interaction.original()!.content).toMatch(/`acme\/text-only` can’t see images/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });

  it('refuses a file whose bytes are not the image it claims to be', async () => {
    const interaction = await askWith({ filename: 'fake.png', contentType: 'image/png', data: Buffer.from('<html>nope</html>') });
    expect(interaction.original()!.content).toMatch(/not a PNG, JPEG, WebP or GIF/);
    expect(h.openrouter.chatRequests()).toHaveLength(0);
  });
});
