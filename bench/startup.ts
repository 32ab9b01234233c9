/**
 * Figure 7: restarts as an operator makes them. The real `npm start` in this repository (its
 * prestart included) with nothing changed since the last build, from the spawn to the bot's
 * `bot ready` line (logged in, commands in sync), against a fake Discord and a fake OpenRouter.
 */
import { fileURLToPath } from 'node:url';
import { FakeDiscord } from '../test/fakes/discord.js';
import { FakeOpenRouter } from '../test/fakes/openrouter.js';
import { fakeEnv, OPENROUTER_KEY } from '../test/helpers/harness.js';
import { signalGroup, spawnBot } from '../test/helpers/process.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const IDENTIFY_WINDOW_MS = 5_500;

/** Milliseconds from spawn to ready, one per measured restart. */
export async function runStartup(restarts: number): Promise<number[]> {
  const discord = await FakeDiscord.start();
  const openrouter = await FakeOpenRouter.start({ apiKey: OPENROUTER_KEY });
  try {
    const samples: number[] = [];
    // The first start builds if the sources changed since the last build: not counted.
    for (let i = 0; i <= restarts; i++) {
      // Discord lets a bot identify once per 5 s (max_concurrency 1), and the fake holds it to that:
      // a start sooner after the last one would wait out the limit, which is not what is measured.
      const lastIdentify = discord.gatewayFrames.filter((f) => f.op === 2).at(-1)?.at;
      if (lastIdentify !== undefined) await new Promise((r) => setTimeout(r, Math.max(0, lastIdentify + IDENTIFY_WINDOW_MS - performance.now())));
      const began = performance.now();
      const proc = spawnBot((dir) => ({ ...fakeEnv(discord, openrouter, dir), LOG_LEVEL: 'info' }), { command: { file: 'npm', args: ['start'], cwd: repo } });
      try {
        await proc.printed(/"msg":"bot ready"/, 120_000);
        if (i > 0) samples.push(performance.now() - began);
        signalGroup(proc.child, 'SIGTERM');
        await proc.exited;
      } finally {
        proc.cleanup();
      }
    }
    return samples;
  } finally {
    await Promise.all([discord.stop(), openrouter.stop()]);
  }
}
