// The chapter's steps, in order.
import type { Step } from './types.js';
import { preflight } from './preflight.js';
import { project } from './project.js';
import { region } from './region.js';
import { repository } from './repository.js';
import { dockerAuth } from './docker-auth.js';
import { push } from './push.js';
import { cleanup } from './cleanup.js';
import { summary } from './summary.js';

export { preflight, project, region, repository, dockerAuth, push, cleanup, summary };
export { renderSummary, type SummaryData } from './summary.js';

export const steps: Step[] = [preflight, project, region, repository, dockerAuth, push, cleanup, summary];
