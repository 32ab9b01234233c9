/** Field checks that add Discord's 50035 field errors (codes and messages as Discord words them). */
import type { FormErrors } from './replies.js';

/** A string of min–max characters; required when min > 0. */
export function checkString(fe: FormErrors, path: string, v: unknown, min: number, max: number): void {
  if (v === undefined || v === null) {
    if (min > 0) fe.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  } else if (typeof v !== 'string') fe.add(path, 'STRING_TYPE_CONVERT', 'Could not interpret "{}" as string.');
  else if (v.length < min || v.length > max) {
    fe.add(path, min === 0 ? 'BASE_TYPE_MAX_LENGTH' : 'BASE_TYPE_BAD_LENGTH', min === 0 ? `Must be ${max} or fewer in length.` : `Must be between ${min} and ${max} in length.`);
  }
}

/** An optional integer within min–max. */
export function checkInt(fe: FormErrors, path: string, v: unknown, min: number, max: number): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) fe.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not int.`);
  else if (v < min) fe.add(path, 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${min}.`);
  else if (v > max) fe.add(path, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${max}.`);
}
