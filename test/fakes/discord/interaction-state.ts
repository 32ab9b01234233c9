/** What the fake remembers of each interaction it dispatched, by id and by token. */
import type { Json } from './json.js';
import type { ApiUser, RecordedRequest } from './types.js';

export interface InteractionState {
  id: string;
  token: string;
  type: number;
  channelId: string;
  /** undefined in a DM. */
  guildId: string | undefined;
  user: ApiUser;
  commandName: string;
  createdMs: number;
  ackType: number | undefined;
  ackFlags: number;
  callbacks: RecordedRequest[];
  originalId: string | undefined;
  followupIds: string[];
  payload: Json;
  /** For component interactions (and modals opened from one): the message the component is on. */
  messageId?: string;
  /** The modal a type-9 callback showed (with Discord's component ids). */
  modal?: Json;
  /** The modal was submitted (it closes on submit). */
  modalSubmitted?: boolean;
  autocomplete?: { resolve: (v: { choices: { name: string; value: string | number }[] }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
}

export class InteractionRegistry {
  private readonly ids = new Map<string, InteractionState>();
  private readonly tokens = new Map<string, InteractionState>();

  add(st: InteractionState): void {
    this.ids.set(st.id, st);
    this.tokens.set(st.token, st);
  }

  byId(id: string): InteractionState | undefined {
    return this.ids.get(id);
  }

  byToken(token: string): InteractionState | undefined {
    return this.tokens.get(token);
  }

  find(idOrToken: string): InteractionState | undefined {
    return this.ids.get(idOrToken) ?? this.tokens.get(idOrToken);
  }

  all(): IterableIterator<InteractionState> {
    return this.ids.values();
  }
}
