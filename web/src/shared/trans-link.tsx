import type { ReactNode } from 'react';

/** A link inside a translated sentence: `<Trans components={{ request: <TransLink href=… /> }}>`
 * fills in its text from the catalog (`<request>…</request>`), in the sentence's word order. */
export function TransLink({ href, children }: { href: string; children?: ReactNode }) {
  return <a href={href}>{children}</a>;
}
