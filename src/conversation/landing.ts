/**
 * Work a shown answer still has in flight, per channel: its final text goes out before its
 * exchange is stored, and its buttons before their actions are. What comes next in the channel
 * waits for it, so that a follow-up asked the moment the answer shows is asked with it, and a
 * button pressed at once finds its action. All of a channel's events reach one process (Discord
 * shards by guild), so this process's own writes are the only ones that can be in flight.
 */
export class InFlight {
  private readonly work = new Map<string, Set<Promise<unknown>>>();

  /** Keeps `work` until it settles; resolves as it does. */
  track<T>(channelId: string, work: Promise<T>): Promise<T> {
    let pending = this.work.get(channelId);
    if (!pending) this.work.set(channelId, (pending = new Set()));
    pending.add(work);
    const forget = () => {
      pending.delete(work);
      if (pending.size === 0 && this.work.get(channelId) === pending) this.work.delete(channelId);
    };
    work.then(forget, forget);
    return work;
  }

  /** Resolves once the channel's work in flight now has settled (however it ended). */
  async settled(channelId: string): Promise<void> {
    const pending = this.work.get(channelId);
    if (pending) await Promise.allSettled([...pending]);
  }
}

/** What is landing: exchanges (which a next turn waits for) and answers' buttons (which presses wait for). */
export interface Landing {
  exchanges: InFlight;
  buttons: InFlight;
}

export function newLanding(): Landing {
  return { exchanges: new InFlight(), buttons: new InFlight() };
}
