/**
 * The CDN: uploaded bytes behind signed attachment URLs, served on the fake's own origin. Downloads
 * are recorded apart from REST requests.
 */
import type { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Core } from './core.js';
import { isObj, type Json } from './json.js';
import { contentTypeFor, imageSize } from './media.js';
import type { FakeAttachment, RecordedFile, UploadSpec } from './types.js';

const CDN_PATH = /^\/(?:media\/)?(?:ephemeral-)?attachments\//;
const CDN_ID = /^\/(?:media\/)?(?:ephemeral-)?attachments\/\d+\/(\d+)\//;

export class Cdn {
  /** GETs of attachment URLs. */
  readonly downloads: { at: number; path: string; status: number }[] = [];
  private readonly blobs = new Map<string, { data: Buffer; contentType: string }>();

  constructor(private readonly core: Core) {}

  data(attachmentId: string): Buffer | undefined {
    return this.blobs.get(attachmentId)?.data;
  }

  /** The CDN stops serving an attachment (its signed link expired, or it was deleted): 404 from then on. */
  expire(attachmentId: string): void {
    this.blobs.delete(attachmentId);
  }

  /** Serves a GET of an attachment URL; false when the request is not for the CDN. */
  serve(method: string | undefined, rawPath: string, at: number, res: http.ServerResponse): boolean {
    if (method !== 'GET' || !CDN_PATH.test(rawPath)) return false;
    const m = CDN_ID.exec(rawPath);
    const blob = m ? this.blobs.get(m[1]!) : undefined;
    this.downloads.push({ at, path: rawPath, status: blob ? 200 : 404 });
    if (!blob) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Not Found');
    } else {
      res.writeHead(200, { 'Content-Type': blob.contentType, 'Content-Length': String(blob.data.length) });
      res.end(blob.data);
    }
    this.core.changed();
    return true;
  }

  /**
   * The attachment list after a request: with `attachments` in the body, exactly those (existing ids
   * kept, new ones referencing files[n]); without it, the existing ones plus every uploaded file.
   */
  fromRequest(body: Json, files: RecordedFile[], existing: FakeAttachment[], channelId: string): FakeAttachment[] {
    const byIndex = new Map<string, RecordedFile>();
    files.forEach((f, i) => {
      const m = /^files\[(\d+)\]$/.exec(f.field) ?? /^file(\d*)$/.exec(f.field);
      byIndex.set(m && m[1] !== '' ? m[1]! : String(i), f);
    });
    const upload = (f: RecordedFile, meta: Json): FakeAttachment =>
      this.store(
        {
          filename: typeof meta.filename === 'string' ? meta.filename : f.filename,
          contentType: f.contentType,
          data: f.data,
          ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
        },
        `/attachments/${channelId}`,
        false,
      );
    if (!Array.isArray(body.attachments)) {
      return [...existing, ...[...byIndex.values()].map((f) => upload(f, {}))];
    }
    const out: FakeAttachment[] = [];
    for (const a of body.attachments) {
      if (!isObj(a)) continue;
      const aid = String(a.id);
      const keep = existing.find((x) => x.id === aid);
      if (keep) out.push(keep);
      else {
        const f = byIndex.get(aid);
        if (f) out.push(upload(f, a));
      }
    }
    return out;
  }

  store(a: UploadSpec, prefix: string, ephemeral: boolean): FakeAttachment {
    const id = this.core.snowflake();
    const filename = a.filename.replace(/[^\w.-]/g, '_');
    const contentType = contentTypeFor(filename, a.contentType);
    this.blobs.set(id, { data: a.data, contentType });
    const ex = Math.floor(Date.now() / 1000 + 86400).toString(16);
    const is = Math.floor(Date.now() / 1000).toString(16);
    const hm = createHash('sha256').update(`${id}:${ex}`).digest('hex');
    const qs = `?ex=${ex}&is=${is}&hm=${hm}&`;
    const size = imageSize(a.data);
    return {
      id,
      filename,
      size: a.declaredSize ?? a.data.length,
      url: `${this.core.origin}${prefix}/${id}/${filename}${qs}`,
      proxy_url: `${this.core.origin}/media${prefix}/${id}/${filename}${qs}`,
      content_type: contentType,
      ...(size ? { width: size.width, height: size.height } : {}),
      ...(a.description ? { description: a.description } : {}),
      ...(ephemeral ? { ephemeral: true } : {}),
    };
  }
}
