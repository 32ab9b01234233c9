/** The guild and application objects, as REST answers them and GUILD_CREATE carries them. */
import { createHash } from 'node:crypto';
import type { Guild } from './guild.js';
import type { Json } from './json.js';
import type { GuildState } from './state.js';

export function applicationObject(g: GuildState): Json {
  const owner = g.users.get(g.ownerId)!;
  return {
    id: g.applicationId,
    name: g.botUser.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    hook: true,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: createHash('sha256').update(g.applicationId).digest('hex'),
    flags: 0,
    owner,
    team: null,
    bot: g.botUser,
    approximate_guild_count: g.guilds.size,
    approximate_user_install_count: 0,
    redirect_uris: [],
    interactions_endpoint_url: null,
    integration_types_config: { '0': {} },
    tags: [],
  };
}

export function guildObject(g: Guild, forGateway: boolean): Json {
  const base: Json = {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: g.roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: g.defaultChannelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    max_presences: null,
    max_members: 500000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    nsfw: false,
    premium_progress_bar_enabled: false,
    incidents_data: null,
    home_header: null,
    hub_type: null,
    latest_onboarding_question_id: null,
    inventory_settings: null,
  };
  if (!forGateway) return base;
  const channels = g.guildChannels().map(({ guild_id: _g, ...c }) => c);
  const threads = g.threads();
  return {
    ...base,
    joined_at: g.members.get(g.botId)!.joined_at,
    large: false,
    unavailable: false,
    member_count: g.members.size,
    voice_states: [],
    members: [...g.members.keys()].map((uid) => g.memberObject(uid)),
    channels,
    threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    application_command_counts: {},
    lazy: true,
    version: Date.now(),
  };
}
