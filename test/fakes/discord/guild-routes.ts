/** REST routes for the gateway URL, users, the application, the guild and its channels. */
import type { Core } from './core.js';
import type { Gateway } from './gateway.js';
import type { Guild } from './guild.js';
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
    body: { url: core.gatewayUrl, shards: gateway.recommendedShards(), session_start_limit: gateway.sessionStartLimit() },
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

  const inGuild = (params: Record<string, string>, answer: (guild: Guild) => Reply): Reply => {
    const guild = g.guilds.get(params.guild!);
    return guild ? answer(guild) : unknownGuild();
  };
  add('GET', `/guilds/${id('guild')}`, '/guilds/:id', true, ({ params }) => inGuild(params, (guild) => ({ status: 200, body: guildObject(guild, false) })));
  add('GET', `/guilds/${id('guild')}/channels`, '/guilds/:id/channels', true, ({ params }) => inGuild(params, (guild) => ({ status: 200, body: guild.guildChannels() })));
  add('GET', `/guilds/${id('guild')}/members/${id('user')}`, '/guilds/:id/members/:id', true, ({ params }) =>
    inGuild(params, (guild) => (guild.members.has(params.user!) ? { status: 200, body: guild.memberObject(params.user!) } : { status: 404, body: errBody('Unknown Member', 10007) })));
  add('GET', `/guilds/${id('guild')}/roles`, '/guilds/:id/roles', true, ({ params }) => inGuild(params, (guild) => ({ status: 200, body: guild.roles })));
  add('GET', `/channels/${id('channel')}`, '/channels/:id', true, ({ params }) => {
    const ch = g.channels.get(params.channel!);
    if (!ch) return unknownChannel();
    return requirePerms(g.botPerms(params.channel!)) ?? { status: 200, body: ch };
  });
  add('POST', `/channels/${id('channel')}/typing`, '/channels/:id/typing', true, ({ params, after }) => {
    if (!g.channels.has(params.channel!)) return unknownChannel();
    const denied = requirePerms(g.botPerms(params.channel!));
    if (denied) return denied;
    const guild = g.guildOf(params.channel!);
    after(() =>
      gateway.dispatch('TYPING_START', {
        channel_id: params.channel,
        user_id: g.botUser.id,
        timestamp: Math.floor(Date.now() / 1000),
        ...(guild ? { guild_id: guild.id, member: guild.memberObject(g.botUser.id) } : {}),
      }),
    );
    return { status: 204 };
  });
}
