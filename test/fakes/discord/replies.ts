/** What a route answers, and Discord's error bodies. */
import { isObj, type Json } from './json.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function errBody(message: string, code: number, errors?: unknown): Json {
  return errors === undefined ? { message, code } : { message, code, errors };
}

export function errReply(status: number, message: string, code: number): Reply {
  return { status, body: errBody(message, code) };
}

export const unknownChannel = (): Reply => errReply(404, 'Unknown Channel', 10003);
export const unknownMessage = (): Reply => errReply(404, 'Unknown Message', 10008);
export const missingAccess = (): Reply => errReply(403, 'Missing Access', 50001);
export const missingPermissions = (): Reply => errReply(403, 'Missing Permissions', 50013);

function fieldError(code: string, message: string): Json {
  return { _errors: [{ code, message }] };
}

/** Sets a nested `errors` entry from a dotted path ('embeds.0.description'). */
function setPath(target: Json, path: string, value: Json): void {
  const parts = path.split('.');
  let cur = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    const next = cur[k];
    if (isObj(next)) cur = next;
    else {
      const fresh: Json = {};
      cur[k] = fresh;
      cur = fresh;
    }
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Collects field errors into Discord's 50035 Invalid Form Body answer. */
export class FormErrors {
  readonly errors: Json = {};
  any = false;
  add(path: string, code: string, message: string): void {
    setPath(this.errors, path, fieldError(code, message));
    this.any = true;
  }
  reply(): Reply {
    return { status: 400, body: errBody('Invalid Form Body', 50035, this.errors) };
  }
}

export const STATUS_DEFAULT_BODY: Record<number, Json> = {
  400: errBody('400: Bad Request', 0),
  401: errBody('401: Unauthorized', 0),
  403: errBody('Missing Permissions', 50013),
  404: errBody('404: Not Found', 0),
  405: errBody('405: Method Not Allowed', 0),
  429: { message: 'You are being rate limited.', retry_after: 1, global: false },
  413: errBody('Request entity too large', 40005),
  500: errBody('500: Internal Server Error', 0),
  502: errBody('502: Bad Gateway', 0),
  503: errBody('503: Service Unavailable', 0),
};
