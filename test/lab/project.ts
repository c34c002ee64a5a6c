// The user's side of a lab scenario: a Django-like project folder with one git commit (the wizard
// tags its push with the short sha). Shared by the end-to-end tests and the benchmark.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `root/name` with manage.py and name/settings.py, plus `extra` files (path → content), committed to
 * a new git repository. Returns the folder and the commit's short sha.
 */
export async function djangoProject(root: string, name: string, extra: Record<string, string> = {}): Promise<{ dir: string; sha: string }> {
  const dir = join(root, name);
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, 'manage.py'), '#!/usr/bin/env python\n');
  await writeFile(join(dir, name, 'settings.py'), 'DEBUG = False\n');
  for (const [path, content] of Object.entries(extra)) await writeFile(join(dir, path), content);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Newcomer', '-c', 'user.email=newcomer@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'Start');
  return { dir, sha: git('rev-parse', '--short', 'HEAD') };
}
