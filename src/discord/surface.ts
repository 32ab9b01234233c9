import type { RateLimitInfo } from './rate-limits.js';
import type { SharedBucket } from './shared-bucket.js';

export interface OutgoingFile {
  name: string;
  data: Buffer;
  description?: string;
}

export interface MessagePayload {
  content: string;
  /** The message's files from now on; absent: leave them as they are, `[]`: remove them. */
  files?: OutgoingFile[];
  /** Message components as Discord's JSON (action rows); `[]` removes them. */
  components?: object[];
}

/** A message the bot posted and may keep editing. */
export interface PostedMessage {
  readonly id: string;
  /** The channel (or thread) it is in. */
  readonly channelId: string;
  /** The bucket its next edit spends from (it changes when an expired interaction's answer moves to the channel). */
  editBucket(): SharedBucket;
  /** Resolves with the bucket state the response reported, when it reported one. */
  edit(payload: MessagePayload): Promise<RateLimitInfo | undefined>;
}

/** A post, and the state of the bucket it spent from. */
export interface Posted {
  message: PostedMessage;
  info: RateLimitInfo | undefined;
}

/**
 * Where a streamed answer is shown: the first post is the reply itself (for a slash command, the
 * deferred response), later posts continue it. Implementations must suppress every mention.
 */
export interface ReplySurface {
  /** The bucket the answer's `index`th post spends from. */
  postBucket(index: number): SharedBucket;
  post(payload: MessagePayload): Promise<Posted>;
}
