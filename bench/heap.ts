/**
 * Memory a process really holds: forces a full garbage collection through the inspector protocol
 * and reads `process.memoryUsage()`, so garbage the collector has not reached yet is not counted
 * (resident size alone mostly shows how far the heap was allowed to grow).
 */
import WebSocket from 'ws';

/** The inspector address a process started with `--inspect=127.0.0.1:0` printed. */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
}

export async function liveBytes(url: string): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => {
      const mine = ++id;
      const onMessage = (raw: WebSocket.RawData) => {
        const msg = JSON.parse(raw.toString()) as { id?: number; result?: unknown; error?: { message: string } };
        if (msg.id !== mine) return;
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(msg.error.message));
        else resolve(msg.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const result = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse(result.result.value as string) as { heapUsed: number; external: number; arrayBuffers: number };
    // arrayBuffers is part of external.
    return usage.heapUsed + usage.external;
  } finally {
    ws.close();
  }
}
