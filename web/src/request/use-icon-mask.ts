import { useEffect, useState } from 'react';

/** The largest icon accepted: an Iconify SVG is a few hundred bytes. */
const MAX_ICON_BYTES = 64 * 1024;

export type IconMask = { state: 'loading' } | { state: 'ready'; css: string } | { state: 'failed' };

/** Loads a same-origin SVG icon and returns it as a CSS `url("data:…")` for `mask-image`,
 * so the icon takes the model's colour. The SVG is used only as an image (never put into
 * the page), so nothing in it can run. A missing icon (404), a non-SVG answer or an
 * oversized one reads as failed: the caller shows its fallback. */
export function useIconMask(src: string): IconMask {
  const [mask, setMask] = useState<IconMask>({ state: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    setMask({ state: 'loading' });
    fetch(src, { signal: controller.signal, credentials: 'omit', cache: 'force-cache' })
      .then(async (response) => {
        const type = response.headers.get('content-type') ?? '';
        if (!response.ok || !type.startsWith('image/svg+xml')) {
          throw new Error(`icon ${src}: HTTP ${response.status} ${type}`);
        }
        const svg = await response.text();
        if (svg.length > MAX_ICON_BYTES) {
          throw new Error(`icon ${src} is too large`);
        }
        setMask({
          state: 'ready',
          css: `url("data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}")`,
        });
      })
      .catch(() => {
        if (!controller.signal.aborted) {
          setMask({ state: 'failed' });
        }
      });
    return () => controller.abort();
  }, [src]);
  return mask;
}
