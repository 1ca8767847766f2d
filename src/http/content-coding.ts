/** The content codings the service has ready-made copies for, best first. */
export type ContentCoding = 'br' | 'gzip' | 'identity';

/** The coding to answer with, from the request's `Accept-Encoding` (RFC 9110 §12.5.3): the
 * offered coding with the highest q-value, ties going to the earlier one in `offered`.
 * `*` stands for every coding not named; `identity` is acceptable unless refused by name or
 * by `*;q=0`. When nothing offered is acceptable the answer is `identity` all the same: an
 * uncompressed page is more use than a 406. */
export function preferredCoding(
  acceptEncoding: string | undefined,
  offered: readonly ContentCoding[],
): ContentCoding {
  const weights = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [token = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    if (token === '') {
      continue;
    }
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(token === 'x-gzip' ? 'gzip' : token, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: ContentCoding): number =>
    weights.get(coding) ?? weights.get('*') ?? (coding === 'identity' ? 1 : 0);

  let best: ContentCoding = 'identity';
  let bestWeight = 0;
  for (const coding of offered) {
    const weight = weightOf(coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
