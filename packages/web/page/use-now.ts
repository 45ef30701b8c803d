import { useEffect, useState } from "preact/hooks";

/** The local clock, re-read every `everyMs` (a re-render each time): countdowns and ages. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
