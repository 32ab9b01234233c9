import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** The person pressed Ctrl-C or ended the input (Ctrl-D) instead of answering. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/** Asks one question without showing what is typed. */
export function askHidden(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<string> {
  // readline echoes each key to its output: this one shows nothing. In terminal mode the input is
  // raw (so Ctrl-C arrives as a SIGINT event here rather than as a signal), and the question comes
  // after that, so nothing typed at it is echoed by the terminal either.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: silent, terminal: true });
  output.write(question);
  return new Promise((resolve, reject) => {
    let answer: string | undefined;
    rl.once('line', (line) => {
      answer = line;
      rl.close();
    });
    rl.once('SIGINT', () => rl.close());
    rl.once('close', () => {
      output.write('\n');
      if (answer === undefined) reject(new Cancelled());
      else resolve(answer);
    });
  });
}
