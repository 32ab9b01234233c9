import type { RateLimitInfo } from './edit-scheduler.js';

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
  /** The edit bucket's state after the post, when the post itself counted against it (a deferred reply is filled by an edit). */
  readonly bucket?: RateLimitInfo | undefined;
  /** Resolves with the bucket state the response reported, when it reported one. */
  edit(payload: MessagePayload): Promise<RateLimitInfo | undefined>;
}

/**
 * Where a streamed answer is shown: the first post is the reply itself (for a slash command, the
 * deferred response), later posts continue it. Implementations must suppress every mention.
 */
export interface ReplySurface {
  post(payload: MessagePayload): Promise<PostedMessage>;
}
