// Files of the user's project folder, and temp dirs for generated build contexts.
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BugError, UserError } from '../errors.js';
import type { ProjectFiles } from '../ports.js';
import { jsonErrorPosition } from './dockerConfig.js';

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
    async makeTempDir(prefix) {
      const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'tmp';
      return mkdtemp(join(tmpdir(), `${safe}-`));
    },
    async writeFile(absPath, content) {
      if (!isAbsolute(absPath)) throw new BugError(`writeFile needs an absolute path: ${absPath}`);
      await writeFile(absPath, content, 'utf8');
    },
    async readJson(absPath) {
      if (!isAbsolute(absPath)) throw new BugError(`readJson needs an absolute path: ${absPath}`);
      let text: string;
      try {
        text = await readFile(absPath, 'utf8');
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return null;
        throw e;
      }
      try {
        return JSON.parse(text.replace(/^\uFEFF/, ''));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const { line, column } = jsonErrorPosition(text, msg);
        throw new UserError(`${absPath} is not valid JSON (line ${line}, column ${column})`, [`Fix or move the file, then run again.`]);
      }
    },
  };
}
