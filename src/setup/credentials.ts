/**
 * Asks Discord and OpenRouter whether a token or key is theirs, before it is saved. Only a 401 is
 * taken to mean the value is wrong; anything else (no answer, another status) leaves it unchecked.
 */
export type Verdict =
  | { kind: 'accepted'; who: string }
  | { kind: 'rejected'; why: string }
  | { kind: 'unchecked'; why: string };

const CHECK_TIMEOUT_MS = 10_000;

async function ask(service: string, url: string, authorization: string, accepted: (body: any) => string): Promise<Verdict> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { kind: 'unchecked', why: `${service} could not be reached at ${new URL(url).origin} (${cause})` };
  }
  if (response.status === 401) return { kind: 'rejected', why: `${service} says it is wrong (HTTP 401)` };
  if (!response.ok) return { kind: 'unchecked', why: `${service} answered HTTP ${response.status}` };
  try {
    return { kind: 'accepted', who: accepted(await response.json()) };
  } catch {
    return { kind: 'unchecked', why: `${service} answered something the bot could not read` };
  }
}

/** `apiUrl` is DISCORD_API_URL (without the version). */
export function checkDiscordToken(token: string, apiUrl: string): Promise<Verdict> {
  return ask('Discord', `${apiUrl}/v10/users/@me`, `Bot ${token}`, (user: { username: string; discriminator?: string; id: string }) => {
    const tag = user.discriminator && user.discriminator !== '0' ? `${user.username}#${user.discriminator}` : user.username;
    return `the bot ${tag} (application ${user.id})`;
  });
}

/** `baseUrl` is OPENROUTER_BASE_URL (with /api/v1). */
export function checkOpenRouterKey(key: string, baseUrl: string): Promise<Verdict> {
  // The key's label is left out: it spells part of the key.
  return ask('OpenRouter', `${baseUrl}/key`, `Bearer ${key}`, ({ data }: { data: { limit: number | null; limit_remaining: number | null } }) => {
    const limit = data.limit === null ? 'no spending limit' : `$${(data.limit_remaining ?? 0).toFixed(2)} left of its $${data.limit.toFixed(2)} limit`;
    return `the key (${limit})`;
  });
}
