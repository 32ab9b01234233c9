/** Message components: a user pressing a button or picking from a select menu (INTERACTION_CREATE type 3). */
import type { Gateway } from './gateway.js';
import type { Interactions } from './interactions.js';
import type { MessageStore } from './messages.js';
import type { ComponentPress, FakeInteraction } from './types.js';

export class Components {
  constructor(
    private readonly interactions: Interactions,
    private readonly messages: MessageStore,
    private readonly gateway: Gateway,
  ) {}

  /** Callbacks 6 (deferUpdate) and 7 (update) make the pressed message the interaction's original. */
  press(opts: ComponentPress): FakeInteraction {
    const msg = this.messages.get(opts.messageId);
    if (!msg || msg.deleted) throw new Error(`FakeDiscord: unknown message ${opts.messageId}`);
    const st = this.interactions.create(3, msg.channel_id, '', opts.user, opts.memberPermissions, () => ({
      custom_id: opts.customId,
      component_type: opts.componentType ?? 2,
      ...(opts.values ? { values: opts.values } : {}),
    }));
    st.messageId = msg.id;
    st.payload.message = this.messages.json(msg);
    this.gateway.dispatch('INTERACTION_CREATE', st.payload);
    return this.interactions.view(st);
  }
}
