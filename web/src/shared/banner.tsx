import type { ReactNode } from 'react';

/** A message across the content. Errors use role="alert" so they are announced at once,
 * unless the page announces the same text another way (`announce={false}`). */
export function Banner({
  tone,
  children,
  action,
  announce = true,
}: {
  tone: 'error' | 'info' | 'success';
  children: ReactNode;
  action?: ReactNode;
  announce?: boolean;
}) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' && announce ? 'alert' : undefined}>
      <div className="banner-text">{children}</div>
      {action}
    </div>
  );
}
