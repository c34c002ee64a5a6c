// npm run lab -- up | down | status | env | scenario FILE
//   up        start the lab (idempotent), write .lab/env; exit 1 naming the part that failed
//   down      stop every process the lab started (by pid), remove its certs.d entries
//   status    show each part and whether it answers (exit 1 when not healthy)
//   env       print .lab/env (for `eval "$(npm run -s lab -- env)"`)
//   scenario  load a world (WorldSpec JSON) into the running lab
// Options: --dir DIR (default $LAB_DIR or .lab), --world FILE (up: start with this world).

import { readFile } from 'node:fs/promises';
import { LabError, labDown, labStatus, labUp, loadScenario } from './lab.js';
import { defaultLabDir, labLayout } from './layout.js';
import type { WorldSpec } from './emulator/world.js';

const USAGE = 'usage: npm run lab -- up [--world FILE] | down | status | env | scenario FILE   (option: --dir DIR)';

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let dir = defaultLabDir();
  let worldFile: string | undefined;
  const rest: string[] = [];
  while (args.length) {
    const a = args.shift()!;
    if (a === '--dir') dir = args.shift() ?? dir;
    else if (a === '--world') worldFile = args.shift();
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else rest.push(a);
  }
  const [cmd, arg] = rest;
  const log = (line: string): void => console.log(`lab: ${line}`);
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      const world = worldFile ? (JSON.parse(await readFile(worldFile, 'utf8')) as WorldSpec) : undefined;
      const lab = await labUp({ dir, log, world, owner: 'cli' });
      log(`${lab.startedHere ? 'up' : 'already up'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      console.log(`\nTo use it by hand:\n  source ${labLayout(dir).envFile}\n  gcloud artifacts repositories list --location=southamerica-east1`);
      return 0;
    }
    case 'down':
      await labDown({ dir, log });
      return 0;
    case 'status': {
      const s = await labStatus(dir);
      for (const l of s.lines) console.log(l);
      return s.up ? 0 : 1;
    }
    case 'env': {
      try {
        process.stdout.write(await readFile(labLayout(dir).envFile, 'utf8'));
        return 0;
      } catch {
        console.error('lab: no env file: the lab is not up (npm run lab -- up)');
        return 1;
      }
    }
    case 'scenario':
      if (!arg) {
        console.error(USAGE);
        return 2;
      }
      await loadScenario(arg, dir);
      log(`world loaded from ${arg}`);
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof LabError) console.error(`lab: ${e.message}`);
    else console.error(`lab: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
