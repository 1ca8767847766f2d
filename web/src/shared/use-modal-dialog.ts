import { type RefObject, useEffect, useRef } from 'react';

/** A ref for a `<dialog>` that opens as a modal when it mounts (focus moves inside and stays
 * there, the page behind is inert, Escape fires `cancel`) and closes when it unmounts. */
export function useModalDialog(): RefObject<HTMLDialogElement | null> {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) {
      dialog.showModal();
    }
    return () => dialog?.close();
  }, []);
  return ref;
}
