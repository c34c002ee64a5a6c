// The guide's facts for chapter 02, in our own words. One place, so the UI, the summary
// and --json all say the same thing.

export const ARTIFACT_REGISTRY_SERVICE = 'artifactregistry.googleapis.com';

/** The location the guide uses in its examples. */
export const GUIDE_DEFAULT_LOCATION = 'southamerica-east1';

export const ROLES = {
  /** Needed to create a repository. */
  create: 'roles/artifactregistry.admin',
  /** Needed to push images. */
  push: 'roles/artifactregistry.writer',
  /** Needed to enable an API on the project. */
  enableService: 'roles/serviceusage.serviceUsageAdmin',
} as const;

export const COST = {
  freeStorageGbPerMonth: 0.5,
  pricePerGbMonthUsd: 0.1,
  typicalDjangoImageMb: [200, 300] as const,
} as const;

export const costFacts: string[] = [
  `Storage: the first ${COST.freeStorageGbPerMonth} GB each month costs nothing (the free allowance is per billing account); beyond that you pay about $${COST.pricePerGbMonthUsd.toFixed(2)} per GB per month.`,
  `A Django image is usually ${COST.typicalDjangoImageMb[0]}–${COST.typicalDjangoImageMb[1]} MB, so a few pushed versions fit in the free allowance; old versions add up, so delete ones you no longer need (or add a cleanup policy).`,
  'When Cloud Run pulls an image from a repository in its own region, that traffic costs nothing, which is why the repository should live where your service will run.',
];

export const TAG_FACTS = {
  latest: 'latest: moves to whatever you pushed most recently.',
  sha: 'the git short sha (e.g. a3f9c12): one fixed tag per commit, so you can roll back to an exact version.',
} as const;

export interface Chapter {
  number: string;
  title: string;
  /** One line: what it adds, in our words. */
  what: string;
}

export const nextChapters: Chapter[] = [
  { number: '03', title: 'Cloud SQL (PostgreSQL)', what: 'a managed PostgreSQL database for Django.' },
  { number: '04', title: 'Secret Manager', what: 'keep the database password and Django secret key out of your code.' },
  { number: '05', title: 'Cloud Storage', what: 'a bucket for media uploads and static files.' },
  { number: '06', title: 'Dockerfile', what: 'package the Django app as the image you will push to this repository.' },
  { number: '07', title: 'First Deploy', what: 'run that image on Cloud Run, pulled from this repository.' },
];

export function billingUrl(project: string): string {
  return `https://console.cloud.google.com/billing/linkedaccount?project=${encodeURIComponent(project)}`;
}

export function grantRoleCommand(project: string, member: string, role: string): string {
  return `gcloud projects add-iam-policy-binding ${project} --member=${member} --role=${role}`;
}

/** IAM member for a gcloud account: user:… or serviceAccount:… */
export function memberFor(account: string | undefined): string {
  if (!account) return 'user:YOUR_EMAIL';
  return account.endsWith('.gserviceaccount.com') ? `serviceAccount:${account}` : `user:${account}`;
}
