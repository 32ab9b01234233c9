import { randomInt } from 'node:crypto';

/** A seed most providers take (a signed 32-bit integer). */
export const newSeed = () => randomInt(0, 2 ** 31);
