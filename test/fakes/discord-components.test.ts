/**
 * Message components through a real discord.js Client: what a press carries (message, member and its
 * permissions, ids), what the helper refuses, and the callback rules Discord applies to component
 * interactions (types 4/5/6/7/9, once, within 3 s).
 */
import {
  ButtonStyle,
  ComponentType,
  Events,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  type ButtonInteraction,
  type Client,
  type GatewayDispatchPayload,
  type Message,
  type StringSelectMenuInteraction,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectApiError, failure, handleNext, setup } from './discord-client.js';

afterEach(cleanup);

const row = (...components: object[]) => ({ type: ComponentType.ActionRow, components });
const button = (custom_id: string, extra: object = {}) => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, label: custom_id, custom_id, ...extra });

/** The bot's message with a row of buttons (regenerate, delete) and a link. */
async function controls(client: Client, channelId: string): Promise<Message> {
  const channel = client.channels.cache.get(channelId) as TextChannel;
  return channel.send({
    content: 'an answer',
    components: [
      row(button('regenerate'), button('delete', { style: ButtonStyle.Danger }), button('edit', { disabled: true })),
      row({ type: ComponentType.Button, style: ButtonStyle.Link, label: 'docs', url: 'https://example.com' }),
    ],
  });
}

describe('component presses', () => {
  it('carry the message with its components and ids, the member with channel permissions, and data.id', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    // Discord numbers components without an id in document order, rows included.
    expect(fake.message(sent.id)?.components).toMatchObject([
      { type: 1, id: 1, components: [{ id: 2, custom_id: 'regenerate' }, { id: 3, custom_id: 'delete' }, { id: 4, custom_id: 'edit' }] },
      { type: 1, id: 5, components: [{ id: 6, url: 'https://example.com' }] },
    ]);
    fake.denyBot(fake.defaultChannelId, 'AttachFiles');
    const handled = handleNext(client, async (i) => i as ButtonInteraction);
    const inter = await fake.component({ messageId: sent.id, customId: 'delete' });
    const i = await handled;

    expect(i.isButton()).toBe(true);
    expect([i.customId, i.componentType, i.message.id]).toEqual(['delete', ComponentType.Button, sent.id]);
    expect((i.component as { customId?: string }).customId).toBe('delete');
    expect(i.message.components).toHaveLength(2);
    expect(i.user.id).toBe(fake.user.id);
    expect(i.memberPermissions?.has(PermissionFlagsBits.SendMessages)).toBe(true);
    expect(i.appPermissions.has(PermissionFlagsBits.AttachFiles)).toBe(false);
    expect(inter.payload.data).toEqual({ custom_id: 'delete', component_type: 2, id: 3 });
    expect(inter.payload.member).toMatchObject({ user: { id: fake.user.id }, permissions: expect.stringMatching(/^\d+$/) });
    expect((inter.payload.message as { id: string }).id).toBe(sent.id);
  });

  it('memberPermissions overrides what the member is sent (a moderator, a stranger)', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    const handled = handleNext(client, async (i) => i as ButtonInteraction);
    await fake.component({ messageId: sent.id, customId: 'regenerate', user: { id: '123456789012345003', username: 'mod' }, memberPermissions: String(PermissionFlagsBits.ManageMessages) });
    const i = await handled;
    expect(i.user.username).toBe('mod');
    expect(i.memberPermissions?.bitfield).toBe(PermissionFlagsBits.ManageMessages);
  });

  it('refuses presses a user could not make: no such custom_id, a disabled button, a link button, a button the bot removed', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    await expect(fake.component({ messageId: sent.id, customId: 'reroll' })).rejects.toThrow(/no component with custom_id 'reroll'/);
    await expect(fake.component({ messageId: sent.id, customId: 'edit' })).rejects.toThrow(/disabled/);
    await expect(fake.component({ messageId: sent.id, customId: 'regenerate', componentType: ComponentType.StringSelect })).rejects.toThrow(/type 2, not 3/);
    await expect(fake.component({ messageId: sent.id, customId: 'regenerate', values: ['x'] })).rejects.toThrow(/takes no values/);

    await sent.edit({ components: [] });
    await expect(fake.component({ messageId: sent.id, customId: 'regenerate' })).rejects.toThrow(/no component/);
    // Unless the user's client still showed it (a press racing the edit); it must have been there.
    const handled = handleNext(client, async (i) => (i as ButtonInteraction).customId);
    await fake.component({ messageId: sent.id, customId: 'regenerate', stale: true });
    expect(await handled).toBe('regenerate');
    await expect(fake.component({ messageId: sent.id, customId: 'never-there', stale: true })).rejects.toThrow(/no component/);
  });

  it('a string select takes min–max values among its options', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const sent = await channel.send({
      content: 'pick a model',
      components: [row({ type: ComponentType.StringSelect, custom_id: 'model', max_values: 2, options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }] })],
    });
    await expect(fake.component({ messageId: sent.id, customId: 'model', values: ['c'] })).rejects.toThrow(/offers no option c/);
    await expect(fake.component({ messageId: sent.id, customId: 'model', values: [] })).rejects.toThrow(/takes 1–2 values, not 0/);
    const handled = handleNext(client, async (i) => (i as StringSelectMenuInteraction).values);
    const inter = await fake.component({ messageId: sent.id, customId: 'model', values: ['b', 'a'] });
    expect(await handled).toEqual(['b', 'a']);
    expect(inter.payload.data).toMatchObject({ component_type: 3, values: ['b', 'a'] });
  });
});

describe('callbacks to a component interaction', () => {
  it('type 7 (update) edits the message the button is on; later editReply edits it too', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    const handled = handleNext(client, async (i) => {
      const b = i as ButtonInteraction;
      await b.update({ content: 'regenerating…', components: [] });
      await b.editReply('regenerated');
    });
    const inter = await fake.component({ messageId: sent.id, customId: 'regenerate' });
    await handled;
    expect(inter.acknowledgedWith()).toBe(7);
    expect(inter.acceptedCallback()).toMatchObject({ type: 7, data: { content: 'regenerating…', components: [] } });
    expect(fake.message(sent.id)?.edits.map((e) => e.content)).toEqual(['an answer', 'regenerating…', 'regenerated']);
    expect(inter.original()?.id).toBe(sent.id);
  });

  it('type 6 (deferUpdate) changes nothing and makes the message @original for webhook edits', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    const handled = handleNext(client, async (i) => {
      const b = i as ButtonInteraction;
      await b.deferUpdate();
      expect(fake.message(sent.id)).toMatchObject({ content: 'an answer', edited_timestamp: null });
      await b.editReply({ content: 'deleted', components: [] });
    });
    const inter = await fake.component({ messageId: sent.id, customId: 'delete' });
    await handled;
    expect(inter.acknowledgedWith()).toBe(6);
    expect(inter.callbacks.map((c) => c.status)).toEqual([204]);
    expect(fake.message(sent.id)).toMatchObject({ content: 'deleted', components: [] });
    expect(fake.messages(fake.defaultChannelId).map((m) => m.id)).toEqual([sent.id]);
  });

  it('type 4 with flags 64 is an ephemeral reply: on the interaction, not in the channel', async () => {
    const { fake, client } = await setup();
    const raw: GatewayDispatchPayload[] = [];
    client.on(Events.Raw, (p: GatewayDispatchPayload) => raw.push(p));
    const sent = await controls(client, fake.defaultChannelId);
    const handled = handleNext(client, async (i) => (i as ButtonInteraction).reply({ content: 'Only the asker can do that.', flags: MessageFlags.Ephemeral }));
    const inter = await fake.component({ messageId: sent.id, customId: 'delete' });
    await handled;
    expect(inter.acceptedCallback()).toEqual({ type: 4, data: expect.objectContaining({ content: 'Only the asker can do that.', flags: 64 }) });
    expect(inter.original()).toMatchObject({ content: 'Only the asker can do that.', flags: 64 });
    expect(fake.messages(fake.defaultChannelId).map((m) => m.id)).toEqual([sent.id]);
    const listed = (await client.rest.get(Routes.channelMessages(fake.defaultChannelId))) as { id: string }[];
    expect(listed.map((m) => m.id)).toEqual([sent.id]);
    expect(raw.filter((p) => p.t === 'MESSAGE_CREATE').map((p) => p.d.id)).toEqual([sent.id]);
  });

  it('answers once (40060), within the window (10062), and only with the types a component takes', async () => {
    const { fake, client } = await setup();
    const sent = await controls(client, fake.defaultChannelId);
    const callback = (inter: { id: string; token: string }, body: object) => client.rest.post(Routes.interactionCallback(inter.id, inter.token), { body, auth: false });

    const first = await fake.component({ messageId: sent.id, customId: 'regenerate' });
    const autocompleteType = await failure(callback(first, { type: 8, data: { choices: [] } }));
    expectApiError(autocompleteType, 400, 50035);
    await callback(first, { type: 6 });
    expectApiError(await failure(callback(first, { type: 7, data: { content: 'again' } })), 400, 40060, 'Interaction has already been acknowledged.');

    const late = await fake.component({ messageId: sent.id, customId: 'regenerate' });
    fake.expireInteractionToken(late.id);
    expectApiError(await failure(callback(late, { type: 6 })), 404, 10062, 'Unknown interaction');
    expect(late.acknowledgedWith()).toBeUndefined();
    expect(first.callbacks.map((c) => c.status)).toEqual([400, 204, 400]);
  });
});
