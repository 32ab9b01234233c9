/**
 * Modals through a real discord.js Client: showing one (callback type 9) and Discord's validation of
 * it, then submitting it with submitModal in both input layouts, parsed by discord.js.
 */
import {
  ActionRowBuilder,
  ButtonStyle,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type DiscordAPIError,
  type ModalSubmitInteraction,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, expectApiError, failure, handleNext, nextInteraction, setup } from './discord-client.js';
import type { FakeDiscord, FakeInteraction } from './discord.js';

afterEach(cleanup);

/** The edit modal the bot will show: one paragraph input inside a Label. */
function editModal(value = 'a cat'): ModalBuilder {
  return new ModalBuilder()
    .setCustomId('edit-prompt')
    .setTitle('Edit the prompt')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Prompt')
        .setDescription('What to ask again')
        .setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph).setMaxLength(100).setValue(value)),
    );
}

/** A slash command whose handler shows `modal`. */
async function slashShowing(fake: FakeDiscord, client: Client, modal: ModalBuilder): Promise<FakeInteraction> {
  const handled = handleNext(client, async (i) => (i as ChatInputCommandInteraction).showModal(modal));
  const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
  await handled;
  return inter;
}

const callback = (client: Client, inter: { id: string; token: string }, body: object) =>
  client.rest.post(Routes.interactionCallback(inter.id, inter.token), { body, auth: false });

describe('showing a modal (callback type 9)', () => {
  it('is recorded on the interaction with the ids Discord gives its components', async () => {
    const { fake, client } = await setup();
    const inter = await slashShowing(fake, client, editModal());
    expect(inter.acknowledgedWith()).toBe(9);
    expect(inter.modal()).toEqual({
      custom_id: 'edit-prompt',
      title: 'Edit the prompt',
      components: [
        {
          type: 18,
          id: 1,
          label: 'Prompt',
          description: 'What to ask again',
          component: { type: 4, id: 2, custom_id: 'prompt', style: 2, max_length: 100, value: 'a cat' },
        },
      ],
    });
    expect(inter.original()).toBeUndefined();
  });

  it('answers 50035 with errors for what Discord refuses, and the interaction stays unanswered', async () => {
    const { fake, client } = await setup();
    const inter = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    const input = { type: 4, custom_id: 'prompt', style: 2 };
    const bad = async (data: object) => (await failure(callback(client, inter, { type: 9, data }))) as DiscordAPIError;

    const noTitle = await bad({ custom_id: 'm', components: [{ type: 18, label: 'L', component: input }] });
    expectApiError(noTitle, 400, 50035);
    expect(noTitle.rawError).toMatchObject({ errors: { data: { title: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } } });

    const wrong = await bad({
      custom_id: 'x'.repeat(101),
      title: 't'.repeat(46),
      components: [
        { type: 18, label: 'L', component: { ...input, style: 3, max_length: 4001 } },
        { type: 1, components: [{ type: 4, custom_id: 'legacy', style: 1 }] },
        { type: 18, label: 'no child' },
      ],
    });
    expect(wrong.rawError).toMatchObject({
      code: 50035,
      errors: {
        data: {
          custom_id: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }] },
          title: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 45 in length.' }] },
          components: {
            0: { component: { style: { _errors: [{ code: 'BASE_TYPE_CHOICES' }] }, max_length: { _errors: [{ code: 'NUMBER_TYPE_MAX' }] } } },
            1: { components: { 0: { label: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } } },
            2: { component: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } },
          },
        },
      },
    });
    const six = Array.from({ length: 6 }, (_, n) => ({ type: 18, label: `L${n}`, component: { ...input, custom_id: `i${n}` } }));
    expect((await bad({ custom_id: 'm', title: 't', components: six })).rawError).toMatchObject({ errors: { data: { components: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } } });
    expect((await bad({ custom_id: 'm', title: 't', components: [] })).rawError).toMatchObject({ errors: { data: { components: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } } });
    const twice = [0, 1].map(() => ({ type: 18, label: 'L', component: input }));
    expect((await bad({ custom_id: 'm', title: 't', components: twice })).rawError).toMatchObject({ errors: { data: { components: { 1: { component: { custom_id: { _errors: [{ code: 'COMPONENT_CUSTOM_ID_DUPLICATED' }] } } } } } } });

    expect(inter.acknowledgedWith()).toBeUndefined();
    await callback(client, inter, { type: 9, data: editModal().toJSON() });
    expect(inter.acknowledgedWith()).toBe(9);
  });
});

describe('submitModal', () => {
  it('dispatches a modal submit discord.js parses: Label layout, fields.getTextInputValue, no message', async () => {
    const { fake, client } = await setup();
    const shown = await slashShowing(fake, client, editModal());
    const handled = handleNext(client, async (i) => {
      if (!i.isModalSubmit()) throw new Error(`expected a modal submit, got type ${i.type}`);
      await i.reply({ content: `asking: ${i.fields.getTextInputValue('prompt')}`, flags: MessageFlags.Ephemeral });
      return i;
    });
    const submit = await fake.submitModal({ interaction: shown, values: { prompt: 'a dog' } });
    const i = await handled;

    expect(i.customId).toBe('edit-prompt');
    expect(i.isFromMessage()).toBe(false);
    expect(i.user.id).toBe(fake.user.id);
    expect(submit.type).toBe(5);
    expect(submit.payload.data).toEqual({
      custom_id: 'edit-prompt',
      components: [{ type: 18, id: 1, component: { type: 4, id: 2, custom_id: 'prompt', value: 'a dog' } }],
    });
    expect('message' in submit.payload).toBe(false);
    expect(submit.acceptedCallback()).toMatchObject({ type: 4, data: { content: 'asking: a dog', flags: 64 } });
    // 6 and 7 act on a component's message: a modal opened from a command has none. 9 never answers a submit.
    const next = await fake.submitModal({ interaction: await slashShowing(fake, client, editModal()) });
    expectApiError(await failure(callback(client, next, { type: 6 })), 400, 50035);
    expectApiError(await failure(callback(client, next, { type: 9, data: editModal().toJSON() })), 400, 50035);
    await callback(client, next, { type: 5 });
    expect(next.acknowledgedWith()).toBe(5);
  });

  it('from a button: action-row layout, the message comes along, and update edits that message', async () => {
    const { fake, client } = await setup();
    const channel = client.channels.cache.get(fake.defaultChannelId) as TextChannel;
    const sent = await channel.send({ content: 'answer to a cat', components: [{ type: 1, components: [{ type: 2, style: ButtonStyle.Primary, label: 'Edit', custom_id: 'edit' }] }] });
    const legacy = new ModalBuilder()
      .setCustomId('edit-prompt')
      .setTitle('Edit')
      .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(new TextInputBuilder().setCustomId('prompt').setLabel('Prompt').setStyle(TextInputStyle.Short).setValue('a cat')));
    const opened = handleNext(client, async (i) => (i as ButtonInteraction).showModal(legacy));
    const press = await fake.component({ messageId: sent.id, customId: 'edit' });
    await opened;

    const handled = handleNext(client, async (i) => {
      const m = i as ModalSubmitInteraction;
      if (!m.isFromMessage()) throw new Error('expected a modal submit from a message');
      await m.update({ content: `answer to ${m.fields.getTextInputValue('prompt')}`, components: [] });
      return m;
    });
    const submit = await fake.submitModal({ interaction: press.id });
    const m = await handled;
    expect(m.message?.id).toBe(sent.id);
    expect(submit.payload.data).toEqual({
      custom_id: 'edit-prompt',
      components: [{ type: 1, id: 1, components: [{ type: 4, id: 2, custom_id: 'prompt', value: 'a cat' }] }],
    });
    expect(submit.acknowledgedWith()).toBe(7);
    expect(fake.message(sent.id)).toMatchObject({ content: 'answer to a cat', components: [] });
    expect(submit.original()?.id).toBe(sent.id);
  });

  it('refuses what a user could not submit', async () => {
    const { fake, client } = await setup();
    const received = nextInteraction(client);
    const plain = await fake.slash({ channelId: fake.defaultChannelId, name: 'ask' });
    await received;
    await expect(fake.submitModal({ interaction: plain })).rejects.toThrow(/showed no modal/);

    const short = new ModalBuilder()
      .setCustomId('m')
      .setTitle('t')
      .addLabelComponents(new LabelBuilder().setLabel('Name').setTextInputComponent(new TextInputBuilder().setCustomId('name').setStyle(TextInputStyle.Short).setMinLength(2).setMaxLength(5)));
    const shown = await slashShowing(fake, client, short);
    await expect(fake.submitModal({ interaction: shown })).rejects.toThrow(/'name' is required/);
    await expect(fake.submitModal({ interaction: shown, values: { name: 'a' } })).rejects.toThrow(/2–5 characters, not 1/);
    await expect(fake.submitModal({ interaction: shown, values: { name: 'abcdef' } })).rejects.toThrow(/2–5 characters, not 6/);
    await expect(fake.submitModal({ interaction: shown, values: { name: 'a\nb' } })).rejects.toThrow(/short \(one-line\)/);
    await expect(fake.submitModal({ interaction: shown, values: { name: 'ok', other: 'x' } })).rejects.toThrow(/no input other/);
    const handled = handleNext(client, async (i) => (i as ModalSubmitInteraction).fields.getTextInputValue('name'));
    await fake.submitModal({ interaction: shown, values: { name: 'ok' } });
    expect(await handled).toBe('ok');
    await expect(fake.submitModal({ interaction: shown, values: { name: 'ok' } })).rejects.toThrow(/already submitted/);
  });
});
