import React, { useEffect, useState } from 'react';
import { Text } from 'ink';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ASCII_FRAMES = ['-', '\\', '|', '/'];

/**
 * A small spinner; only the component that shows it re-renders on each tick.
 * `ascii`: for the very first frame (measuring non-ASCII text first costs Ink ~100 ms of Unicode set-up).
 */
export function Spinner({ ascii = false }: { ascii?: boolean }): React.ReactElement {
  const FRAMES_ = ascii ? ASCII_FRAMES : FRAMES;
  const [i, setI] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setI((x) => x + 1), 100);
    return () => clearInterval(t);
  }, []);
  return <Text color="cyan">{FRAMES_[i % FRAMES_.length]}</Text>;
}
