import { Client, DefaultRestOptions, Events, GatewayIntentBits, MessageFlags, Options, type Interaction } from 'discord.js';
import { refusal } from './access.js';
import { components } from '../components/index.js';
import { splitCustomId, tableKey, type ComponentInteraction } from '../components/component.js';
import { commandsFor } from '../commands/index.js';
import { DISCORD_CDN_HOSTS } from './attachments.js';
import { inviteUrl } from './discord/invite.js';
import { answerMention } from './discord/mentions.js';
import { ActionStore } from './actions/action-store.js';
import type { Config } from './config.js';
import type { BotContext } from './context.js';
import { ChannelHistory } from './conversation/history.js';
import { newLanding } from './conversation/landing.js';
import { ReasoningArchive } from './conversation/reasoning-archive.js';
import { restRequests } from './discord/rest-requests.js';
import { sendsApartFromEdits } from './discord/rest-queues.js';
import { Buckets } from './discord/shared-bucket.js';
import { WebhookRest } from './discord/webhook-rest.js';
import { syncCommands } from './discord/register-commands.js';
import type { Logger } from './logger.js';
import { SHUTDOWN } from './openrouter/errors.js';
import { createOpenRouter } from './openrouter/client.js';
import { ImageModelCatalog } from './openrouter/image-models.js';
import { ModelCatalog } from './openrouter/models.js';
import type { BotMetrics } from './ops/metrics.js';
import { processMetrics, serveHealth } from './ops/operations.js';
import { placeOf } from './place.js';
import { RunningAnswers } from './running-answers.js';
import { SettingsStore } from './settings/store.js';
import { closeStore, openStore } from './storage.js';
import { UserError } from './user-error.js';
import { openUserLimiter } from './shared-user-limiter.js';
import { userLimits } from './user-limiter.js';
import { systemClock, type Clock } from './clock.js';
import { Ledger } from './costs/ledger.js';
import { openUsage } from './costs/open-usage.js';
import { budgets } from './costs/spending.js';
import { realTimers } from './discord/timers.js';
import { KeyWatch, keyLimit } from './openrouter/key-watch.js';
import { ImagePricing } from './openrouter/image-pricing.js';

export interface Bot {
  client: Client;
  context: BotContext;
  /** Where `/healthz` and `/metrics` listen, when HEALTH_PORT is set. */
  healthPort: number | undefined;
  /** Resolves when every interaction received so far has been handled. */
  idle(): Promise<void>;
  /**
   * Stops taking work, gives running answers the grace period to finish, then ends them with a
   * notice; stores what they said, closes storage and the gateway.
   */
  stop(): Promise<void>;
}

export interface BotOptions {
  /** Keyv namespace (tests isolate runs sharing one Redis). */
  storeNamespace?: string;
  /** Wall-clock time and pauses (tests move to tomorrow and skip waits). */
  clock?: Clock;
}

export async function startBot(config: Config, logger: Logger, options: BotOptions = {}): Promise<Bot> {
  const store = await openStore(config.databaseUrl, logger, options.storeNamespace ?? config.storeNamespace);
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const ledger = new Ledger(await openUsage(store, now));
  // The metrics need the client (its shards, its queues); the clients report their 429s to them.
  let metrics: BotMetrics | undefined;
  const on429 = (scope: string) => metrics?.discordRateLimited(scope);
  const client = new Client({
    // Message Content (privileged) lets the bot see the images on messages people reply to; the rest
    // works without it (Discord delivers messages that mention the bot, and its own, in full).
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, ...(config.messageContentIntent ? [GatewayIntentBits.MessageContent] : [])],
    rest: { api: config.discordApiUrl, ...restRequests(DefaultRestOptions.makeRequest, on429, DefaultRestOptions.offset) },
    // Nothing reads messages back from the cache, and with it every edit of a streamed answer
    // (echoed back as MESSAGE_UPDATE) re-parsed a cached Message.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    // A second guard besides each message's own: nothing the bot sends pings anyone.
    allowedMentions: { parse: [], repliedUser: false },
  });
  const openrouter = createOpenRouter({
    apiKey: config.openRouterApiKey,
    baseUrl: config.openRouterBaseUrl,
    retryBudgetMs: config.openRouterRetryMaxMs,
    attribution: { url: config.openRouterAppUrl, title: () => config.openRouterAppTitle ?? client.user?.username },
  });
  const interactions = new WebhookRest({ api: config.discordApiUrl, report429: on429 });
  metrics = processMetrics(client);
  const catalog = new ModelCatalog(openrouter, logger);
  const settings = new SettingsStore(store, config);
  const limiter = await openUserLimiter(store, config.userLimits);
  const keyWatch = new KeyWatch(openrouter, logger, { warnBelowUsd: config.keyWarnRemainingUsd, intervalMs: config.keyPollIntervalMs }, realTimers, now);
  const context: BotContext = {
    config,
    logger,
    metrics,
    openrouter,
    catalog,
    imageCatalog: new ImageModelCatalog(openrouter, logger),
    history: new ChannelHistory(store),
    landing: newLanding(),
    reasoning: new ReasoningArchive(store, config.buttonTtlMs),
    settings,
    actions: await ActionStore.open(store, config.buttonTtlMs, now),
    imagePricing: new ImagePricing(openrouter, logger),
    rest: { bot: sendsApartFromEdits(client.rest), interactions, buckets: new Buckets() },
    answers: new RunningAnswers(),
    ledger,
    keyWatch,
    // Cheapest first: a refusal by a later one gives back what the earlier ones hold.
    preconditions: [keyLimit(keyWatch), userLimits(limiter), budgets({ config, logger, openrouter, catalog, settings, ledger, keyWatch, wait: (ms) => clock.wait(ms) })],
    clock,
    attachmentPolicy: {
      maxBytes: config.maxAttachmentBytes,
      // The API host serves attachments too when it is not Discord's own (a proxy, or a test fake).
      allowedHosts: new Set([...DISCORD_CDN_HOSTS, new URL(config.discordApiUrl).host]),
    },
  };

  const running = new Set<Promise<void>>();
  let accepting = true;
  const commands = commandsFor(config);
  const byName = new Map(commands.map((c) => [c.data.name, c]));

  const track = (work: Promise<void>) => {
    const task = work.finally(() => running.delete(task));
    running.add(task);
  };
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (accepting) track(handle(interaction));
  });
  client.on(Events.MessageCreate, (message) => {
    if (!accepting) return;
    track(
      answerMention(message, context).catch(async (err: unknown) => {
        logger.error({ err, channel: message.channelId }, 'answering a mention failed');
        await message
          .reply({ content: '⚠️ Something went wrong on the bot’s side. It has been logged; try again in a moment.', allowedMentions: { parse: [], repliedUser: false } })
          .catch(() => undefined);
      }),
    );
  });

  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isButton() || interaction.isModalSubmit()) return answerComponent(interaction);
    if (!interaction.isChatInputCommand() && !interaction.isAutocomplete()) return;
    const command = byName.get(interaction.commandName);
    if (!command) return;
    if (interaction.isChatInputCommand()) {
      const refused = refusal(config.access, placeOf(interaction));
      if (refused) {
        logger.info({ command: interaction.commandName, channel: interaction.channelId, user: interaction.user.id, refused }, 'command refused by the allowlists');
        await interaction.reply({ content: refused, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } }).catch(() => undefined);
        return;
      }
    }
    try {
      if (interaction.isAutocomplete()) await command.autocomplete?.(interaction, context);
      else await command.execute(interaction, context);
    } catch (err) {
      if (!interaction.isChatInputCommand()) {
        logger.error({ err, command: interaction.commandName, channel: interaction.channelId }, 'autocomplete failed');
        return;
      }
      // A UserError is a refusal the user can act on; anything else is the bot's fault.
      const refusedWith = err instanceof UserError ? err.message : undefined;
      if (refusedWith) logger.info({ command: interaction.commandName, channel: interaction.channelId, user: interaction.user.id, reason: refusedWith }, 'command refused');
      else logger.error({ err, command: interaction.commandName, channel: interaction.channelId }, 'command failed');
      const content = refusedWith ? `⚠️ ${refusedWith}` : '⚠️ Something went wrong on the bot’s side. It has been logged; try again in a moment.';
      // Refusals come before anything is shown: they take the deferred reply's place.
      const reply = refusedWith && interaction.deferred && !interaction.replied
        ? interaction.editReply({ content, allowedMentions: { parse: [] } })
        : interaction.deferred || interaction.replied
          ? interaction.followUp({ content, allowedMentions: { parse: [] } })
          : interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      await reply.catch((replyErr: unknown) => logger.warn({ err: replyErr }, 'could not tell the user about the failure'));
    }
  }

  async function answerComponent(interaction: ComponentInteraction): Promise<void> {
    const { prefix, data } = splitCustomId(interaction.customId);
    const handler = components.get(tableKey(interaction.isButton() ? 'button' : 'modal', prefix));
    try {
      // Pressed the moment its answer showed, its action may still be on its way to the store
      // (tracked once the final edit has returned; the exchange before it, from the start).
      if (interaction.channelId) {
        await context.landing.exchanges.settled(interaction.channelId);
        await context.landing.buttons.settled(interaction.channelId);
      }
      if (handler && (await handler.handle(interaction, data, context)) !== 'declined') return;
      logger.warn({ customId: interaction.customId.slice(0, 100), user: interaction.user.id }, 'a button or modal nobody handles');
      await interaction.reply({ content: 'This button no longer does anything.', flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    } catch (err) {
      logger.warn({ err, button: prefix }, 'could not answer a button or modal');
      if (!interaction.replied && !interaction.deferred) {
        await interaction
          .reply({ content: '⚠️ Something went wrong on the bot’s side. It has been logged; try again in a moment.', flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } })
          .catch(() => undefined);
      }
    }
  }

  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event, shard) => logger.warn({ shard, code: event.code }, 'gateway disconnected'));
  client.on(Events.ShardResume, (shard) => logger.info({ shard }, 'gateway resumed'));

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    // Before any request: a key that is already spent refuses the first one too.
    await keyWatch.start();
    await client.login(config.discordToken);
    await ready;
    // One process registers the commands for the whole bot: the one that runs shard 0 (or, unsharded, this one).
    const shards = client.options.shards;
    if (!Array.isArray(shards) || shards.includes(0)) await syncCommands(client.rest, client.application!.id, config.discordGuildId, commands.map((c) => c.data), logger);
  } catch (err) {
    keyWatch.stop();
    await client.destroy();
    await interactions.close();
    await closeStore(store, logger);
    if (err instanceof Error && /disallowed intents/i.test(err.message)) {
      throw new Error(
        'Discord refused the Message Content intent. In the Developer Portal, open your application → Bot → Privileged Gateway Intents and turn on Message Content Intent; or set MESSAGE_CONTENT_INTENT=false to run without it (slash commands and mentions still work; only images on other people\'s messages that a mention replies to need it).',
        { cause: err },
      );
    }
    throw err;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'bot ready');
  const health = config.healthPort === undefined ? undefined : await serveHealth(config.healthPort, client, store, metrics, logger);
  if (client.guilds.cache.size === 0) logger.info({ inviteUrl: inviteUrl(client.application!.id) }, 'in no server yet: invite the bot with this URL');
  // Autocomplete must answer within 3 s: have the model list ready before anyone types.
  void context.catalog.list();

  let stopping: Promise<void> | undefined;
  const idle = async () => {
    while (running.size > 0) await Promise.allSettled(running);
  };
  return {
    client,
    context,
    healthPort: health?.port,
    idle,
    stop() {
      // Idempotent: a second signal (or a test) waits for the same shutdown.
      stopping ??= (async () => {
        accepting = false;
        let graceTimer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'grace over'>((resolve) => (graceTimer = setTimeout(() => resolve('grace over'), config.shutdownGraceMs)));
        if ((await Promise.race([idle(), graceOver])) === 'grace over') {
          logger.warn({ running: running.size }, 'grace period over: ending the answers still running');
          context.answers.abortAll(SHUTDOWN);
          await idle();
        }
        clearTimeout(graceTimer);
        keyWatch.stop();
        await context.history.drain();
        await health?.close();
        await client.destroy();
        await interactions.close();
        await closeStore(store, logger);
      })();
      return stopping;
    },
  };
}
