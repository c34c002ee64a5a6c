// The lab token never leaks: a set of scenarios (happy path, a failure, --json, --dry-run, a
// --debug failure) runs the built CLI with a distinctive token; then all of its output
// (stdout, stderr, the --json document) and every file it could have written (saved progress,
// the Docker config folder and its backup, the project folder, the run's own TMPDIR) are
// searched for it. While the runs go on, every process command line on the machine is read
// (/proc/*/cmdline) so the token can never have been in argv; the wizard's displayed commands
// are checked too.

import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/lab.js';
import { theLab } from './lab-hook.js';
import { BASE_ARGS, PROJECT, newUser, removeUser, runWizard, world, type RunResult, type User } from './fault-scenarios.js';

// Not shaped like a Google token (no ya29.), so no pattern-based redaction can hide a leak.
const TOKEN = `rslab${randomBytes(12).toString('hex')}`;
let lab: Lab;

beforeAll(async () => {
  lab = await theLab();
});

afterAll(async () => {
  // Leave the lab with its usual token for whoever comes next.
  await lab?.setWorld(world());
});

/** Reads every process's command line every 50 ms; collects the ones holding `needle`. */
class ArgvWatch {
  hits: string[] = [];
  reads = 0;
  private timer?: NodeJS.Timeout;
  private busy = false;
  constructor(private readonly needle: string) {}
  start(): void {
    this.timer = setInterval(() => void this.scan(), 50);
  }
  private async scan(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const pid of await readdir('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        let cmd: string;
        try {
          cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
        } catch {
          continue;
        }
        this.reads++;
        if (cmd.includes(this.needle)) this.hits.push(cmd);
      }
    } finally {
      this.busy = false;
    }
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.scan();
  }
}

/** Every regular file under `dir` (following no links), with its content. */
async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile() && (await stat(p)).size < 5_000_000) out.push({ path: p, text: await readFile(p, 'latin1') });
  }
  return out;
}

interface Case {
  case: string;
  world: Parameters<Lab['setWorld']>[0];
  args: string[];
  code: number;
  /** Something the run must show, so the case is what it claims to be. */
  shows: RegExp;
}

const CASES: Case[] = [
  { case: 'happy path', world: world({ token: TOKEN }), args: BASE_ARGS, code: 0, shows: /Done\./ },
  { case: 'a failure (billing off)', world: world({ token: TOKEN }, { billing: false }), args: BASE_ARGS, code: 1, shows: /billing/ },
  { case: '--json', world: world({ token: TOKEN }), args: [...BASE_ARGS, '--json'], code: 0, shows: /"digest": "sha256:/ },
  { case: '--dry-run', world: world({ token: TOKEN }), args: [...BASE_ARGS, '--dry-run'], code: 0, shows: /Dry run/ },
  {
    case: '--debug failure (permission denied on create)',
    world: world({ token: TOKEN }, { deniedPermissions: ['artifactregistry.repositories.create'] }),
    args: [...BASE_ARGS, '--debug'],
    code: 1,
    shows: /roles\/artifactregistry\.admin/,
  },
];

describe('the token never leaks', () => {
  it.each(CASES.map((c) => [c.case, c] as const))('%s', async (_name, c) => {
    await lab.setWorld(c.world);
    expect(lab.token).toBe(TOKEN); // the world really uses our token (so a leak would show)
    const user: User = await newUser(lab, 'security');
    const argv = new ArgvWatch(TOKEN);
    argv.start();
    let r: RunResult;
    try {
      r = await runWizard(user, c.args);
    } finally {
      await argv.stop();
    }
    expect(r.code, r.all.slice(-2000)).toBe(c.code);
    expect(r.all).toMatch(c.shows);
    if (c.args.includes('--json')) {
      const doc = JSON.parse(r.stdout);
      expect(JSON.stringify(doc)).not.toContain(TOKEN);
    }

    // All output.
    for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['all', r.all]] as const) {
      expect(text.includes(TOKEN), `${name} holds the token`).toBe(false);
    }
    // The commands the wizard displays (what it runs, and the summary script).
    const commands = r.all.split('\n').filter((l) => /\b(gcloud|docker) [a-z]/.test(l));
    expect(commands.length).toBeGreaterThan(0);
    for (const l of commands) expect(l).not.toContain(TOKEN);
    // No command line on the machine ever held it while the wizard ran.
    expect(argv.reads).toBeGreaterThan(0);
    expect(argv.hits).toEqual([]);

    // Every file the run could have written: the user's root (project folder, saved progress
    // under XDG_CONFIG_HOME, the run's TMPDIR) and the Docker config folder with its backup.
    const files = [...(await filesUnder(user.root)), ...(await filesUnder(user.dockerConfig))];
    expect(files.some((f) => f.path.endsWith('config.json'))).toBe(true);
    if (c.code === 0 && !c.args.includes('--dry-run')) {
      expect(files.some((f) => f.path.endsWith('progress.json'))).toBe(true);
    }
    const leaks = files.filter((f) => f.text.includes(TOKEN)).map((f) => f.path);
    expect(leaks).toEqual([]);
    // The project is the one we asked for (the runs did reach the API where expected).
    expect(r.all).toContain(PROJECT);
    await removeUser(user);
  });
});
