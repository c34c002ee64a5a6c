// Step 2: where the repository lives. Only locations the API lists for the project are offered.

import { EXPLAIN } from './explain.js';
import type { Choice, Env, GcloudConfig } from '../ports.js';
import type { Step, StepContext } from './types.js';
import { UserError, withContext } from '../errors.js';
import { closestLocation, validateLocation, zoneToRegion } from '../validate.js';
import { GUIDE_DEFAULT_LOCATION, MULTI_REGIONS, ROLES } from '../facts.js';
import { regionForTimeZone } from '../timezones.js';
import { callOpts, missingFlag, need, safeCheck } from './common.js';
import { explainFailure } from './failures.js';

async function locationsFor(ctx: StepContext, env: Env, project: string, signal?: AbortSignal): Promise<string[]> {
  if (ctx.state.locations?.length) return ctx.state.locations;
  ctx.report.activity(`listing Artifact Registry locations for ${project}`);
  try {
    return await env.api.listLocations(project, callOpts(ctx, signal));
  } catch (e) {
    throw await explainFailure(e, env, { project, role: ROLES.create, doing: 'list Artifact Registry locations' });
  }
}

/** Why `v` is not usable, as a UserError naming --region, or null when it is in the list. */
export function regionProblem(v: string, locations: readonly string[]): UserError | null {
  if (locations.includes(v)) return null;
  const region = zoneToRegion(v);
  if (region) {
    return new UserError(
      `--region ${v} is a zone; Artifact Registry repositories live in a region${locations.includes(region) ? `: the region is ${region}` : ''}.`,
      [locations.includes(region) ? `Use --region ${region}` : `Pick one of: ${locations.join(', ')}`],
      { flag: '--region' },
    );
  }
  const syntax = validateLocation(v);
  const near = closestLocation(v, locations);
  const msg = syntax === true ? `Artifact Registry offers no location ${JSON.stringify(v)} for this project.` : `--region: ${syntax}`;
  return new UserError(
    near ? `${msg} Did you mean ${near}?` : msg,
    [near ? `Use --region ${near}` : `Pick one of: ${locations.join(', ')}`],
    { flag: '--region' },
  );
}

/** `tag`: the word in the choice's name ("default", "suggested"); `note`: why, on the dim line under the list. */
type Candidate = { value?: string; tag?: string; note?: string };

/**
 * The default (a saved answer is taken before this): gcloud's artifacts/location, run/region, the time zone's
 * suggestion (when there is one), then the guide's region. `note` says why, for the choice's name.
 */
function defaultLocation(cfg: GcloudConfig, locations: readonly string[] | undefined, suggested?: Candidate): Candidate {
  const cands: Candidate[] = [
    { value: cfg.artifactsLocation, tag: 'default', note: "Your default: gcloud's artifacts/location." },
    { value: cfg.runRegion, tag: 'default', note: "Your default: gcloud's run/region, where your Cloud Run services go." },
    ...(suggested ? [suggested] : []),
    { value: GUIDE_DEFAULT_LOCATION, tag: 'default', note: "The guide's region (São Paulo)." },
  ];
  for (const c of cands) if (c.value && (locations ? locations.includes(c.value) : validateLocation(c.value) === true)) return c;
  return {};
}

/** The region nearest the machine's time zone, when the table knows the zone and the API offers the region. */
function timeZoneSuggestion(timeZone: string | undefined, locations: readonly string[]): Candidate | undefined {
  const value = regionForTimeZone(timeZone, locations);
  return value ? { value, tag: 'suggested', note: `Suggested: the nearest region to your time zone, ${timeZone}.` } : undefined;
}

const MULTI_REGION_NOTE = 'Cloud Run runs in a single region: a repository in that same region is what keeps pulls free.';

/**
 * The default first, then the time zone's suggestion, then the rest. The names stay short (multi-regions
 * and the default or suggestion marked); the reason is the choice's description, its own line under the list.
 */
function regionChoices(locations: readonly string[], def: Candidate, suggested: Candidate | undefined): Choice<string>[] {
  const first = [def.value, suggested?.value].filter((l): l is string => !!l);
  return [...new Set([...first, ...locations])].map((l) => {
    const multi = MULTI_REGIONS.includes(l);
    const why = l === def.value ? def : l === suggested?.value ? suggested : undefined;
    const tags = [multi ? 'multi-region' : undefined, why?.tag].filter(Boolean);
    const fact = multi ? MULTI_REGION_NOTE : `Deploy Cloud Run in ${l} too: image pulls within one region are free.`;
    return { value: l, name: tags.length ? `${l}  (${tags.join(', ')})` : l, description: why?.note ? `${why.note} ${fact}` : fact, short: l };
  });
}

export const region: Step = {
  id: 'region',
  title: 'Choose the region',
  explain: EXPLAIN.region,

  async ask(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'region');
    // With the API still off (enabled after the plan), the locations are not known yet: execute checks the answer.
    const locations = ctx.state.enableApi ? undefined : [...(await withContext('list locations', () => locationsFor(ctx, env, project, signal)))].sort();
    const flag = ctx.flags.region;
    if (flag !== undefined) {
      const problem = locations ? regionProblem(flag, locations) : validateLocation(flag) === true ? null : regionProblem(flag, []);
      if (problem) throw problem;
      return { location: flag, ...(locations ? { locations } : {}) };
    }
    // Answered in an earlier run: not asked again.
    const saved = ctx.state.location;
    if (saved && (locations ? locations.includes(saved) : validateLocation(saved) === true)) return { location: saved, ...(locations ? { locations } : {}) };
    const cfg = await withContext('read gcloud configuration', () => env.gcloud.config());
    // Only for someone at the terminal, who sees the reason: --yes keeps defaults a script can predict.
    const suggested = env.prompter.interactive && locations ? timeZoneSuggestion(env.timeZone, locations) : undefined;
    const def = defaultLocation(cfg, locations, suggested);
    let location: string;
    if (env.prompter.interactive && locations) {
      location = await env.prompter.search(
        { message: 'Region (type to filter)', choices: regionChoices(locations, def, suggested), default: def.value },
        { signal },
      );
    } else if (env.prompter.interactive) {
      location = await env.prompter.input({ message: 'Region', default: def.value, validate: validateLocation }, { signal });
    } else if (def.value) {
      location = def.value;
    } else {
      throw missingFlag('The region', '--region', [`for example --region ${locations?.[0] ?? GUIDE_DEFAULT_LOCATION}`, 'or set a default: gcloud config set artifacts/location REGION']);
    }
    return { location, ...(locations ? { locations } : {}) };
  },

  async execute(ctx, env, signal) {
    const project = need(ctx.state.project, 'the project', 'region');
    const location = need(ctx.state.location, 'the region', 'region');
    const locations = await withContext('list locations', () => locationsFor(ctx, env, project, signal));
    const problem = regionProblem(location, locations);
    if (problem) throw problem;
    return { state: { location, locations }, summary: location };
  },

  commands({ flags, state }) {
    if (state.location) return [];
    return [`gcloud artifacts locations list --project=${flags.project ?? state.project ?? 'PROJECT'}`];
  },

  check: safeCheck(async (ctx: StepContext, env: Env, signal?: AbortSignal) => {
    const loc = ctx.state.location;
    if (!loc) return { done: false, why: 'no region chosen yet' };
    if (ctx.flags.region && ctx.flags.region !== loc) return { done: false, why: `--region ${ctx.flags.region} differs from the saved ${loc}` };
    const project = ctx.state.project;
    if (!project) return { done: false, why: 'no project chosen yet' };
    const locations = await locationsFor(ctx, env, project, signal);
    return locations.includes(loc) ? { done: true, summary: loc } : { done: false, why: `${loc} is not offered for ${project}` };
  }),
};
