/**
 * A user submitting a modal the bot showed (INTERACTION_CREATE type 5). `data.components` come back
 * in the modal's layout with Discord's ids: an action row as `{ type: 1, id, components: [{ type: 4,
 * id, custom_id, value }] }`, a Label as `{ type: 18, id, component: … }`, a text display as
 * `{ type: 10, id }`. The helper refuses what Discord's client would not send: a missing required
 * input, a value outside min/max length, a line break in a short input, an unknown custom_id.
 */
import { checkPicked } from './component-tree.js';
import type { Gateway } from './gateway.js';
import type { InteractionRegistry } from './interaction-state.js';
import type { Interactions } from './interactions.js';
import type { Json } from './json.js';
import type { MessageStore } from './messages.js';
import type { FakeInteraction, ModalSubmission } from './types.js';

type Values = Record<string, string | string[]>;

export class Modals {
  constructor(
    private readonly registry: InteractionRegistry,
    private readonly interactions: Interactions,
    private readonly messages: MessageStore,
    private readonly gateway: Gateway,
  ) {}

  submit(opts: ModalSubmission): FakeInteraction {
    const ref = typeof opts.interaction === 'string' ? opts.interaction : opts.interaction.id;
    const shown = this.registry.find(ref);
    if (!shown) throw new Error(`FakeDiscord: unknown interaction ${ref}`);
    const modal = shown.modal;
    if (!modal || shown.ackType !== 9) throw new Error(`FakeDiscord: interaction ${shown.id} showed no modal (answered with ${shown.ackType ?? 'nothing'})`);
    if (shown.modalSubmitted) throw new Error(`FakeDiscord: the modal of interaction ${shown.id} was already submitted (it closes on submit)`);
    const values = opts.values ?? {};
    const known = new Set<string>();
    const components = (modal.components as Json[]).map((c) => this.submitted(c, values, known));
    const unknown = Object.keys(values).filter((k) => !known.has(k));
    if (unknown.length) throw new Error(`FakeDiscord: the modal has no input ${unknown.join(', ')}`);

    const message = shown.messageId ? this.messages.get(shown.messageId) : undefined;
    // The modal shows to the user whose interaction opened it.
    const st = this.interactions.create(5, shown.channelId, '', shown.user, opts.memberPermissions, () => ({ custom_id: modal.custom_id, components }));
    shown.modalSubmitted = true;
    if (message && !message.deleted) {
      st.messageId = message.id;
      st.payload.message = this.messages.json(message);
    }
    this.gateway.dispatch('INTERACTION_CREATE', st.payload);
    return this.interactions.view(st);
  }

  /** One top-level component as Discord sends it back. */
  private submitted(c: Json, values: Values, known: Set<string>): Json {
    if (c.type === 1) {
      const input = (c.components as Json[])[0]!;
      return { type: 1, id: c.id, components: [this.answer(input, values, known)] };
    }
    if (c.type === 18) return { type: 18, id: c.id, component: this.answer(c.component as Json, values, known) };
    return { type: c.type, id: c.id };
  }

  private answer(input: Json, values: Values, known: Set<string>): Json {
    const id = input.custom_id as string;
    known.add(id);
    if (input.type === 4) return { type: 4, id: input.id, custom_id: id, value: textValue(input, values[id]) };
    if (input.type === 3) return { type: 3, id: input.id, custom_id: id, values: selectValues(input, values[id]) };
    throw new Error(`FakeDiscord: submitting a component of type ${String(input.type)} ('${id}') is not modelled`);
  }
}

/** What the user typed (the pre-filled value when not given), within the input's rules. */
function textValue(input: Json, given: string | string[] | undefined): string {
  const id = String(input.custom_id);
  if (Array.isArray(given)) throw new Error(`FakeDiscord: '${id}' is a text input; give it a string`);
  const value = given ?? (typeof input.value === 'string' ? input.value : '');
  const required = input.required !== false;
  if (value === '' && required) throw new Error(`FakeDiscord: '${id}' is required; Discord won't submit the modal without it`);
  if (value === '') return value;
  const min = typeof input.min_length === 'number' ? input.min_length : 0;
  const max = typeof input.max_length === 'number' ? input.max_length : 4000;
  if (value.length < min || value.length > max) throw new Error(`FakeDiscord: '${id}' takes ${min}–${max} characters, not ${value.length}`);
  if (input.style === 1 && value.includes('\n')) throw new Error(`FakeDiscord: '${id}' is a short (one-line) input`);
  return value;
}

/** The options picked in a string select inside a Label. */
function selectValues(select: Json, given: string | string[] | undefined): string[] {
  if (typeof given === 'string') throw new Error(`FakeDiscord: '${String(select.custom_id)}' is a select; give it the picked values`);
  const values = given ?? [];
  checkPicked(select, values);
  return values;
}
