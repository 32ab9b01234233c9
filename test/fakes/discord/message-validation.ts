/** Discord's checks on a message body (create and edit). */
import { isObj, type Json } from './json.js';
import { errBody, FormErrors, type Reply } from './replies.js';
import type { FakeMessage, RecordedFile } from './types.js';

export const MessageFlag = { SuppressEmbeds: 1 << 2, HasThread: 1 << 5, Ephemeral: 1 << 6, Loading: 1 << 7 } as const;

/** Discord's checks on a message body; returns the error reply or undefined. */
export function validateMessageBody(body: Json, files: RecordedFile[], creating: boolean, existing?: FakeMessage): Reply | undefined {
  const fe = new FormErrors();
  const content = body.content;
  if (content !== undefined && content !== null && typeof content !== 'string') fe.add('content', 'STRING_TYPE_CONVERT', 'Could not interpret "{}" as string.');
  if (typeof content === 'string' && content.length > 2000) fe.add('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  if (embeds.length > 10) fe.add('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((e, i) => {
    if (!isObj(e)) return;
    const check = (field: string, value: unknown, max: number): void => {
      if (typeof value !== 'string') return;
      total += value.length;
      if (value.length > max) fe.add(`embeds.${i}.${field}`, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    };
    check('title', e.title, 256);
    check('description', e.description, 4096);
    if (isObj(e.footer)) check('footer.text', e.footer.text, 2048);
    if (isObj(e.author)) check('author.name', e.author.name, 256);
    const fields = Array.isArray(e.fields) ? e.fields : [];
    if (fields.length > 25) fe.add(`embeds.${i}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((f, j) => {
      if (!isObj(f)) return;
      check(`fields.${j}.name`, f.name, 256);
      check(`fields.${j}.value`, f.value, 1024);
    });
  });
  if (total > 6000) fe.add('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const attachmentsCount = (Array.isArray(body.attachments) ? body.attachments.length : 0) || files.length;
  if (attachmentsCount > 10) fe.add('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (fe.any) return fe.reply();
  const hasContent = typeof content === 'string' && content.length > 0;
  const hasOther = embeds.length > 0 || files.length > 0 || (Array.isArray(body.components) && body.components.length > 0) || (Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0) || isObj(body.poll);
  if (creating && !hasContent && !hasOther) return { status: 400, body: errBody('Cannot send an empty message', 50006) };
  if (!creating && existing) {
    const keepsContent = 'content' in body ? hasContent : existing.content.length > 0;
    const keepsEmbeds = 'embeds' in body ? embeds.length > 0 : existing.embeds.length > 0;
    const keepsFiles = 'attachments' in body ? (Array.isArray(body.attachments) && body.attachments.length > 0) || files.length > 0 : existing.attachments.length > 0 || files.length > 0;
    const keepsComponents = 'components' in body ? Array.isArray(body.components) && body.components.length > 0 : existing.components.length > 0;
    if (!keepsContent && !keepsEmbeds && !keepsFiles && !keepsComponents && !existing.poll && !(existing.flags & MessageFlag.Loading)) {
      return { status: 400, body: errBody('Cannot send an empty message', 50006) };
    }
  }
  return undefined;
}

export function normalizeEmbed(e: unknown): unknown {
  if (!isObj(e)) return e;
  return { type: 'rich', ...e, content_scan_version: 0 };
}
