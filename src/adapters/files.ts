// Files of the user's project folder.
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProjectFiles } from '../ports.js';

export function createProjectFiles(cwd: string): ProjectFiles {
  return {
    cwd,
    async exists(relPath) {
      try {
        await access(resolve(cwd, relPath));
        return true;
      } catch {
        return false;
      }
    },
  };
}
