import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';

const compress = promisify(gzipCallback);

/** Gzips a text (UTF-8) off the main thread; resolves the compressed bytes. */
export function gzip(text: string | Buffer): Promise<Buffer> {
  return compress(text);
}
