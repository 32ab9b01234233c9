/**
 * A finished answer's footer: a subtext line that starts with the model id. Progress lines
 * (`-# 💭 Thinking…`, `-# 🎨 … is working…`, a reasoning excerpt) are subtext too, so "contains
 * `-# `" would take a slow answer's progress for its end.
 */
export const FOOTER = /^-# [\w.-]+\/[\w.:~-]+(?: ·|$)/m;
/** A footer, or a notice that ends a reply without one. */
export const FOOTER_OR_NOTICE = new RegExp(`${FOOTER.source}|⚠️`, 'm');

export const hasFooter = (content: string | undefined): boolean => FOOTER.test(content ?? '');
