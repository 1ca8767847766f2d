import { type ReactNode, useEffect, useRef } from 'react';

/** A `<dialog>` shown as a modal while it is mounted: focus moves inside and stays there, the
 * page behind is inert, and Escape calls `onCancel` (the dialog stays until the caller
 * unmounts it). `titleId` and `describedBy` name the elements inside that label it. */
export function ModalDialog({
  titleId,
  describedBy,
  className = '',
  onCancel,
  children,
}: {
  titleId: string;
  describedBy?: string;
  className?: string;
  onCancel: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) {
      dialog.showModal();
    }
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className}`.trim()}
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      {children}
    </dialog>
  );
}
