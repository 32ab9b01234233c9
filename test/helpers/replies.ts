/**
 * A finished answer's footer: a subtext line that starts with the model id. Progress lines
 * (`-# 💭 Thinking…`, `-# 🎨 … is working…`, a reasoning excerpt) are subtext too, so "contains
 * `-# `" would take a slow answer's progress for its end.
 */
export const FOOTER = /^-# [\w.-]+\/[\w.:~-]+(?: ·|$)/m;
/** A footer, or a notice that ends a reply without one. */
export const FOOTER_OR_NOTICE = new RegExp(`${FOOTER.source}|⚠️`, 'm');

export const hasFooter = (content: string | undefined): boolean => FOOTER.test(content ?? '');

interface Write {
  method: string;
  path: string;
  json?: unknown;
}

/**
 * What the bot sent to say something: every POST and PATCH of a channel message, an interaction
 * webhook or an interaction callback whose body carries content, embeds or components (a bare
 * deferral says nothing), with that body (a callback's `data`).
 */
export function messageWrites(requests: readonly Write[]): { what: string; body: { allowed_mentions?: { parse?: unknown[] } } }[] {
  return requests
    .filter((r) => (r.method === 'POST' || r.method === 'PATCH') && /\/webhooks\/|\/channels\/\d+\/messages|\/interactions\/.*\/callback/.test(r.path))
    .map((r) => ({ what: `${r.method} ${r.path}`, body: (/\/callback/.test(r.path) ? (r.json as { data?: object } | undefined)?.data : r.json) as Record<string, unknown> | undefined }))
    .filter((w): w is { what: string; body: Record<string, unknown> } => w.body !== undefined && ['content', 'embeds', 'components'].some((k) => k in w.body!));
}
