import { useEffect, useRef } from 'react';

/** A screen's title: focused when the screen opens, so a screen reader starts there and keyboard focus is not lost. */
export function ScreenHeading({ children }: { children: React.ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}
