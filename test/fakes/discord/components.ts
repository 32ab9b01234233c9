/**
 * Message components: a user pressing a button or picking from a select menu (INTERACTION_CREATE
 * type 3). The helper refuses what a user could not do: press a component the message doesn't have,
 * a disabled one, a link button (no interaction), or pick values a select doesn't offer.
 */
import { checkPicked, findByCustomId } from './component-tree.js';
import type { Gateway } from './gateway.js';
import type { Interactions } from './interactions.js';
import type { Json } from './json.js';
import type { MessageStore } from './messages.js';
import { resolveChannel, resolveRole, resolveUser } from './resolved.js';
import type { GuildState } from './state.js';
import type { ComponentPress, FakeInteraction } from './types.js';

const SELECTS = new Set([3, 5, 6, 7, 8]);

export class Components {
  constructor(
    private readonly guild: GuildState,
    private readonly interactions: Interactions,
    private readonly messages: MessageStore,
    private readonly gateway: Gateway,
  ) {}

  /** Callbacks 6 (deferUpdate) and 7 (update) make the pressed message the interaction's original. */
  press(opts: ComponentPress): FakeInteraction {
    const msg = this.messages.get(opts.messageId);
    if (!msg || msg.deleted) throw new Error(`FakeDiscord: unknown message ${opts.messageId}`);
    const component = findByCustomId(msg.components, opts.customId);
    if (!component && !(opts.stale && this.messages.everShown(msg.id, opts.customId))) {
      throw new Error(`FakeDiscord: message ${msg.id} has no component with custom_id '${opts.customId}' (a user can only press what the message shows)`);
    }
    if (component?.disabled === true) throw new Error(`FakeDiscord: the component '${opts.customId}' is disabled; a user can't press it`);
    if (component?.type === 2 && (component.style === 5 || component.style === 6)) {
      throw new Error(`FakeDiscord: '${opts.customId}' is a link or premium button; pressing it sends the bot no interaction`);
    }
    const type = (component?.type as number | undefined) ?? opts.componentType ?? 2;
    if (opts.componentType !== undefined && opts.componentType !== type) {
      throw new Error(`FakeDiscord: '${opts.customId}' is a component of type ${type}, not ${opts.componentType}`);
    }
    const values = SELECTS.has(type) ? this.checkValues(component, opts) : undefined;
    if (!SELECTS.has(type) && opts.values) throw new Error(`FakeDiscord: '${opts.customId}' is not a select menu; it takes no values`);
    const userId = opts.user?.id ?? this.guild.user.id;

    const st = this.interactions.create(3, msg.channel_id, '', opts.user, opts.memberPermissions, () => ({
      custom_id: opts.customId,
      component_type: type,
      ...(typeof component?.id === 'number' ? { id: component.id } : {}),
      ...(values ? { values, ...this.resolvedFor(type, values, userId, msg.channel_id) } : {}),
    }));
    st.messageId = msg.id;
    st.payload.message = this.messages.json(msg);
    this.gateway.dispatch('INTERACTION_CREATE', st.payload);
    return this.interactions.view(st);
  }

  /** The picked values, checked against the select when the message still has it. */
  private checkValues(select: Json | undefined, opts: ComponentPress): string[] {
    const values = opts.values ?? [];
    if (select) checkPicked(select, values);
    return values;
  }

  /** User, role, mentionable and channel selects carry the picked entities in `resolved`. */
  private resolvedFor(type: number, values: string[], userId: string, channelId: string): Json {
    if (type === 3) return {};
    const resolved: Json = {};
    const guild = this.guild.guildOf(channelId);
    for (const id of values) {
      const found =
        (type === 5 || type === 7 ? resolveUser(this.guild, guild, resolved, id) : false) ||
        (type === 6 || type === 7 ? resolveRole(guild, resolved, id) : false) ||
        (type === 8 ? resolveChannel(this.guild, resolved, id, userId) : false);
      if (!found) throw new Error(`FakeDiscord: the select can't offer ${id}: no such ${type === 8 ? 'channel' : type === 6 ? 'role' : 'user'}`);
    }
    return { resolved };
  }
}
