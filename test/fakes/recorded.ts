/** What both fakes record of every HTTP request they receive. */
export interface RecordedHttp {
  /** performance.now() when the request arrived. */
  at: number;
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Request headers, lowercased names. */
  headers: Record<string, string>;
}
