// registry-setup doctor (see README): not built yet.
import type { Command } from './types.js';

export const doctor: Command = async (d) => {
  d.say('registry-setup doctor: not available yet.');
  return 1;
};
