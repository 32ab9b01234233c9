/** Fault injection: answers a test forces onto the next matching requests (errors, 429s, delays, hangs). */
import { errBody, STATUS_DEFAULT_BODY, type Reply } from './replies.js';
import { rateLimitBody } from './rate-limits.js';
import type { InjectRule } from './types.js';

export interface StoredRule extends InjectRule {
  remaining: number;
  /** Builds the answer at the time of the request (429 headers carry the current time). */
  build?: () => Reply;
}

export class Faults {
  private readonly rules: StoredRule[] = [];

  inject(rule: InjectRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  rateLimitNext(opts: { method?: string; path?: RegExp; times?: number; retryAfterSec: number; global?: boolean; scope?: 'user' | 'shared' }): void {
    const rule: StoredRule = {
      ...(opts.method ? { method: opts.method } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      remaining: opts.times ?? 1,
      status: 429,
    };
    rule.build = () => {
      const retry = opts.retryAfterSec;
      const headers: Record<string, string> = {
        'Retry-After': String(Math.max(1, Math.ceil(retry))),
      };
      if (opts.global) {
        headers['X-RateLimit-Global'] = 'true';
        headers['X-RateLimit-Scope'] = 'global';
      } else {
        headers['X-RateLimit-Scope'] = opts.scope ?? 'user';
        headers['X-RateLimit-Remaining'] = '0';
        headers['X-RateLimit-Reset-After'] = retry.toFixed(3);
        headers['X-RateLimit-Reset'] = ((Date.now() + retry * 1000) / 1000).toFixed(3);
      }
      return { status: 429, headers, body: rateLimitBody(retry, Boolean(opts.global)) };
    };
    this.rules.push(rule);
  }

  /** The first rule matching this request, counted as used. */
  take(method: string, path: string): StoredRule | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.method || r.method.toUpperCase() === method) && (!r.path || r.path.test(path)));
    if (!rule) return undefined;
    rule.remaining--;
    if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule;
  }

  /**
   * The forced answer, or undefined when the rule only delays. A rate limit names the route's
   * bucket, as Discord's 429s do.
   */
  answerOf(rule: StoredRule, bucket: { hash: string; limit: number }): Reply | undefined {
    if (rule.build) {
      const reply = rule.build();
      reply.headers = { 'X-RateLimit-Bucket': bucket.hash, 'X-RateLimit-Limit': String(bucket.limit), ...reply.headers };
      return reply;
    }
    if (rule.status === undefined) return undefined;
    return { status: rule.status, body: rule.body ?? STATUS_DEFAULT_BODY[rule.status] ?? errBody(`${rule.status}: Error`, 0), ...(rule.headers ? { headers: rule.headers } : {}) };
  }
}
