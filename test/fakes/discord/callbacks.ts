/**
 * POST /interactions/{id}/{token}/callback: the first answer to an interaction. Discord allows one,
 * within 3 s, of a type that fits the interaction.
 */
import type { Cdn } from './cdn.js';
import { withIds } from './component-tree.js';
import type { Core } from './core.js';
import type { InteractionRegistry, InteractionState } from './interaction-state.js';
import { isObj, type Json } from './json.js';
import { MessageFlag, validateMessageBody } from './message-validation.js';
import type { MessageStore } from './messages.js';
import { validateModal } from './modal-validation.js';
import { errBody, FormErrors, unknownMessage, type Reply } from './replies.js';
import { bodyOf, id, type Ctx, type Router } from './router.js';
import type { FakeMessage } from './types.js';

/**
 * Callback types each interaction type accepts (2 command, 3 component, 4 autocomplete, 5 modal
 * submit). 6 and 7 act on a component's message, so a modal submit takes them only when the modal
 * was opened from one; 9 can't answer a modal submit; 12 needs an app with Activities, which this one is not.
 */
function allowedCallbacks(st: InteractionState): number[] {
  switch (st.type) {
    case 2:
      return [4, 5, 9];
    case 3:
      return [4, 5, 6, 7, 9];
    case 4:
      return [8];
    case 5:
      return st.messageId ? [4, 5, 6, 7] : [4, 5];
    default:
      return [];
  }
}

const unknownInteraction = (): Reply => ({ status: 404, body: errBody('Unknown interaction', 10062) });

/** What a callback did: the message it created or updated, if any. */
type Applied = { message?: FakeMessage } | { reply: Reply };

export class Callbacks {
  constructor(
    private readonly core: Core,
    private readonly registry: InteractionRegistry,
    private readonly messages: MessageStore,
    private readonly cdn: Cdn,
  ) {}

  install(router: Router): void {
    // Discord puts no per-route limit on callbacks worth modelling: one bucket per interaction.
    router.add('POST', `/interactions/${id('interaction')}/(?<token>[^/]+)/callback`, '/interactions/:id/:token/callback', false, (ctx) => this.callback(ctx), (p) => ({
      limit: this.core.opts.defaultBucket,
      key: `callback:${p.interaction}`,
    }));
  }

  private callback(ctx: Ctx): Reply {
    const st = this.registry.byId(ctx.params.interaction!);
    if (!st || st.token !== ctx.params.token) return unknownInteraction();
    st.callbacks.push(ctx.rec);
    if (st.ackType !== undefined) return { status: 400, body: errBody('Interaction has already been acknowledged.', 40060) };
    if (Date.now() - st.createdMs > this.core.opts.callbackWindowMs) return unknownInteraction();
    const body = bodyOf(ctx);
    const type = body.type;
    if (typeof type !== 'number' || !allowedCallbacks(st).includes(type)) {
      const fe = new FormErrors();
      fe.add('type', 'INTERACTION_CALLBACK_TYPE_INVALID', 'Value must be one of {4, 5, 6, 7, 8, 9, 10, 12}.');
      return fe.reply();
    }
    const applied = this.apply(type, st, isObj(body.data) ? body.data : {}, ctx);
    if ('reply' in applied) return applied.reply;
    const { message } = applied;
    st.ackType = type;
    st.ackFlags = message?.flags ?? 0;
    if (message && (type === 4 || type === 5) && !(message.flags & MessageFlag.Ephemeral)) {
      ctx.after(() => this.messages.dispatch('MESSAGE_CREATE', message));
    }
    this.core.changed();
    if (ctx.query.get('with_response') !== 'true') return { status: 204 };
    return { status: 200, body: this.callbackResponse(st, type, message) };
  }

  private apply(type: number, st: InteractionState, data: Json, ctx: Ctx): Applied {
    switch (type) {
      case 4: {
        const invalid = validateMessageBody(data, ctx.files, true);
        if (invalid) return { reply: invalid };
        const message = this.messages.createForInteraction(st, data, this.cdn.fromRequest(data, ctx.files, [], st.channelId), false);
        st.originalId = message.id;
        return { message };
      }
      case 5: {
        const flags = typeof data.flags === 'number' ? data.flags & MessageFlag.Ephemeral : 0;
        const message = this.messages.createForInteraction(st, { content: '', flags }, [], true);
        st.originalId = message.id;
        return { message };
      }
      case 6:
        if (st.messageId) st.originalId = st.messageId;
        return {};
      case 7: {
        const target = st.messageId ? this.messages.get(st.messageId) : undefined;
        if (!target || target.deleted) return { reply: unknownMessage() };
        const res = this.messages.edit({ ...ctx, body: data }, target);
        if (res.status !== 200) return { reply: res };
        st.originalId = target.id;
        return { message: target };
      }
      case 8:
        return this.autocompleteResult(st, data, ctx);
      case 9: {
        const invalid = validateModal(data);
        if (invalid) return { reply: invalid };
        st.modal = { ...data, components: withIds(data.components as unknown[]) };
        return {};
      }
      default:
        return {};
    }
  }

  private autocompleteResult(st: InteractionState, data: Json, ctx: Ctx): Applied {
    const choices = Array.isArray(data.choices) ? data.choices : undefined;
    if (!choices || choices.length > 25) {
      const fe = new FormErrors();
      fe.add('data.choices', choices ? 'BASE_TYPE_MAX_LENGTH' : 'BASE_TYPE_REQUIRED', choices ? 'Must be 25 or fewer in length.' : 'This field is required');
      return { reply: fe.reply() };
    }
    if (st.autocomplete) {
      this.core.cancel(st.autocomplete.timer);
      const resolve = st.autocomplete.resolve;
      ctx.after(() => resolve({ choices: choices as { name: string; value: string | number }[] }));
    }
    return {};
  }

  /** The body of `?with_response=true`. */
  private callbackResponse(st: InteractionState, type: number, message: FakeMessage | undefined): Json {
    return {
      interaction: {
        id: st.id,
        type: st.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: type === 5,
              response_message_ephemeral: (message.flags & MessageFlag.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: { type, ...(message && (type === 4 || type === 7) ? { message: this.messages.json(message) } : {}) },
    };
  }
}
