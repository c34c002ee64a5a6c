// registry-setup undo (see README): not built yet.
import type { Command } from './types.js';

export const undo: Command = async (d) => {
  d.say('registry-setup undo: not available yet.');
  return 1;
};
