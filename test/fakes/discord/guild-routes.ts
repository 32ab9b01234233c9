/** REST routes for the gateway URL, users, the application, the guild and its channels. */
import type { Core } from './core.js';
import type { Gateway } from './gateway.js';
import { applicationObject, guildObject } from './payloads.js';
import { requirePerms } from './permissions.js';
import { errBody, unknownChannel, type Reply } from './replies.js';
import { id, type Router } from './router.js';
import type { GuildState } from './state.js';

const unknownGuild = (): Reply => ({ status: 404, body: errBody('Unknown Guild', 10004) });

export function installGuildRoutes(router: Router, core: Core, g: GuildState, gateway: Gateway): void {
  const add = router.add.bind(router);
  add('GET', '/gateway', '/gateway', false, () => ({ status: 200, body: { url: core.gatewayUrl } }));
  add('GET', '/gateway/bot', '/gateway/bot', true, () => ({
    status: 200,
    body: {
      url: core.gatewayUrl,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 16 },
    },
  }));
  add('GET', '/users/@me', '/users/@me', true, () => ({
    status: 200,
    body: { ...g.botUser, verified: true, mfa_enabled: false, locale: 'en-US', email: null, premium_type: 0 },
  }));
  add('GET', `/users/${id('user')}`, '/users/:id', true, ({ params }) => {
    const u = g.users.get(params.user!);
    return u ? { status: 200, body: u } : { status: 404, body: errBody('Unknown User', 10013) };
  });
  add('GET', '/applications/@me', '/applications/@me', true, () => ({ status: 200, body: applicationObject(g) }));
  add('GET', '/oauth2/applications/@me', '/oauth2/applications/@me', true, () => ({ status: 200, body: applicationObject(g) }));

  add('GET', `/guilds/${id('guild')}`, '/guilds/:id', true, ({ params }) =>
    params.guild === g.guildId ? { status: 200, body: guildObject(g, false) } : unknownGuild());
  add('GET', `/guilds/${id('guild')}/channels`, '/guilds/:id/channels', true, ({ params }) =>
    params.guild === g.guildId
      ? { status: 200, body: g.guildChannels() }
      : unknownGuild());
  add('GET', `/guilds/${id('guild')}/members/${id('user')}`, '/guilds/:id/members/:id', true, ({ params }) => {
    if (params.guild !== g.guildId) return unknownGuild();
    return g.members.has(params.user!) ? { status: 200, body: g.memberObject(params.user!) } : { status: 404, body: errBody('Unknown Member', 10007) };
  });
  add('GET', `/guilds/${id('guild')}/roles`, '/guilds/:id/roles', true, ({ params }) =>
    params.guild === g.guildId ? { status: 200, body: g.roles } : unknownGuild());
  add('GET', `/channels/${id('channel')}`, '/channels/:id', true, ({ params }) => {
    const ch = g.channels.get(params.channel!);
    if (!ch) return unknownChannel();
    return requirePerms(g.botPerms(params.channel!)) ?? { status: 200, body: ch };
  });
  add('POST', `/channels/${id('channel')}/typing`, '/channels/:id/typing', true, ({ params, after }) => {
    if (!g.channels.has(params.channel!)) return unknownChannel();
    const denied = requirePerms(g.botPerms(params.channel!));
    if (denied) return denied;
    after(() =>
      gateway.dispatch('TYPING_START', {
        channel_id: params.channel,
        guild_id: g.guildId,
        user_id: g.botUser.id,
        timestamp: Math.floor(Date.now() / 1000),
        member: g.memberObject(g.botUser.id),
      }),
    );
    return { status: 204 };
  });
}
