export interface PlaceholderValues {
  user: string;
  channel: string;
  /** The server's name; DMs have none. */
  server: string | undefined;
  now: Date;
}

/**
 * Fills `{user}`, `{channel}`, `{server}`, `{date}` and `{time}` (UTC) in a system prompt, per
 * request. Anything else in braces is left as written: prompts often contain JSON or code.
 */
export function fillPlaceholders(template: string, values: PlaceholderValues): string {
  const iso = values.now.toISOString();
  const table: Record<string, string> = {
    user: values.user,
    channel: values.channel,
    server: values.server ?? 'a direct message',
    date: iso.slice(0, 10),
    time: `${iso.slice(11, 16)} UTC`,
  };
  return template.replace(/\{(user|channel|server|date|time)\}/g, (_, key: string) => table[key]!);
}
