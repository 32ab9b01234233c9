import type { OpenRouter } from '@openrouter/sdk';

export interface GenerationCost {
  cost: number;
  promptTokens: number;
  completionTokens: number;
}

/** OpenRouter records a generation a moment after it ends: ask again after these pauses. */
export const LOOKUP_DELAYS_MS = [500, 1_000, 2_000, 4_000];

/**
 * What OpenRouter billed for a generation whose stream brought no usage (stopped, dropped, or a
 * provider that left it out), from `GET /generation?id=`. Undefined when it never shows up.
 */
export async function lookUpGeneration(
  client: OpenRouter,
  id: string,
  wait: (ms: number) => Promise<void>,
  delays: readonly number[] = LOOKUP_DELAYS_MS,
): Promise<GenerationCost | undefined> {
  for (const delay of delays) {
    await wait(delay);
    try {
      // Our own pauses are the retries: the SDK's would wait minutes.
      const { data } = await client.generations.getGeneration({ id }, { retries: { strategy: 'none' } });
      return {
        cost: data.totalCost,
        promptTokens: data.nativeTokensPrompt ?? data.tokensPrompt ?? 0,
        completionTokens: data.nativeTokensCompletion ?? data.tokensCompletion ?? 0,
      };
    } catch {
      // 404 until it is recorded; anything else may pass too.
    }
  }
  return undefined;
}
