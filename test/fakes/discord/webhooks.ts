/**
 * The interaction webhook routes (/webhooks/{app}/{token}…): follow-ups and the original response.
 * They need an acknowledged interaction (10015 before) and expire with the token (401 / 50027).
 */
import type { Cdn } from './cdn.js';
import type { Core } from './core.js';
import type { InteractionRegistry, InteractionState } from './interaction-state.js';
import { MessageFlag, validateMessageBody } from './message-validation.js';
import type { MessageStore } from './messages.js';
import { bucketHash } from './rate-limits.js';
import { errBody, unknownMessage, type Reply } from './replies.js';
import { bodyOf, editBucket, id, type Ctx, type Router } from './router.js';
import type { FakeMessage } from './types.js';

const unknownWebhook = (): { reply: Reply } => ({ reply: { status: 404, body: errBody('Unknown Webhook', 10015) } });

export class Webhooks {
  constructor(
    private readonly core: Core,
    private readonly applicationId: string,
    private readonly registry: InteractionRegistry,
    private readonly messages: MessageStore,
    private readonly cdn: Cdn,
  ) {}

  install(router: Router): void {
    const W = `/webhooks/${id('app')}/(?<token>[^/]+)`;
    const M = `${W}/messages/(?<message>@original|\\d{17,19})`;
    const messageTemplate = '/webhooks/:id/:token/messages/:message';
    const limit = () => this.core.opts.editBucket;
    // The top-level resource of a webhook route is the webhook and its token: every message an
    // interaction's token edits (the original and each follow-up) spends from one counter.
    const token = (p: Record<string, string>): string => `${p.app}/${p.token}`;
    router.add('POST', W, '/webhooks/:id/:token', false, (ctx) => this.create(ctx), editBucket(limit, 'execute', bucketHash('POST', '/webhooks/:id/:token'), token));
    router.add('GET', M, messageTemplate, false, (ctx) => {
      const r = this.message(ctx);
      return 'reply' in r ? r.reply : { status: 200, body: this.messages.json(r.msg) };
    });
    router.add(
      'PATCH',
      M,
      messageTemplate,
      false,
      (ctx) => {
        const r = this.message(ctx);
        return 'reply' in r ? r.reply : this.messages.edit(ctx, r.msg);
      },
      editBucket(limit, 'webhook-edit', bucketHash('PATCH', messageTemplate), token),
    );
    router.add('DELETE', M, messageTemplate, false, (ctx) => {
      const r = this.message(ctx);
      if ('reply' in r) return r.reply;
      this.messages.delete(r.msg, ctx.after);
      return { status: 204 };
    });
  }

  /** Resolves the interaction of a webhook route; answers Discord's errors for bad/expired tokens. */
  private interaction(ctx: Ctx): { st: InteractionState } | { reply: Reply } {
    const st = this.registry.byToken(ctx.params.token!);
    if (!st || ctx.params.app !== this.applicationId) return unknownWebhook();
    if (Date.now() - st.createdMs > this.core.opts.tokenLifetimeMs) return { reply: { status: 401, body: errBody('Invalid Webhook Token', 50027) } };
    if (st.ackType === undefined) return unknownWebhook();
    return { st };
  }

  private message(ctx: Ctx): { msg: FakeMessage; st: InteractionState } | { reply: Reply } {
    const r = this.interaction(ctx);
    if ('reply' in r) return r;
    const st = r.st;
    const mid = ctx.params.message === '@original' ? st.originalId : ctx.params.message;
    const msg = mid ? this.messages.get(mid) : undefined;
    if (!msg || msg.deleted || (msg.id !== st.originalId && !st.followupIds.includes(msg.id))) return { reply: unknownMessage() };
    return { msg, st };
  }

  private create(ctx: Ctx): Reply {
    const r = this.interaction(ctx);
    if ('reply' in r) return r.reply;
    const st = r.st;
    const body = bodyOf(ctx);
    const invalid = validateMessageBody(body, ctx.files, true);
    if (invalid) return invalid;
    const original = st.originalId ? this.messages.get(st.originalId) : undefined;
    let msg: FakeMessage;
    if (original && !original.deleted && original.flags & MessageFlag.Loading) {
      // Discord: the first follow-up after a deferred reply replaces the "thinking" message,
      // keeping the ephemeral setting chosen when deferring.
      const res = this.messages.edit(ctx, original);
      if (res.status !== 200) return res;
      msg = original;
    } else {
      msg = this.messages.createForInteraction(st, body, this.cdn.fromRequest(body, ctx.files, [], st.channelId), false);
      st.followupIds.push(msg.id);
      if (!(msg.flags & MessageFlag.Ephemeral)) ctx.after(() => this.messages.dispatch('MESSAGE_CREATE', msg));
    }
    this.core.changed();
    if (ctx.query.get('wait') !== 'true') return { status: 204 };
    return { status: 200, body: this.messages.json(msg) };
  }
}
