// Names derived from other names: default repository and image names, resource names,
// registry host and image paths. Pure.

import { validateImageName, validateRepositoryId } from './validate.js';

/** Suffixes that name an environment rather than the app: mycoolproject-prod → mycoolproject. */
const ENV_SUFFIXES = [
  'prod', 'production', 'prd', 'dev', 'development', 'staging', 'stage', 'stg',
  'test', 'testing', 'qa', 'uat', 'sandbox', 'preview', 'demo', 'live',
];

/** The project part of a possibly domain-scoped ID (`example.com:proj` → `proj`). */
export function projectLocalPart(project: string): string {
  const i = project.indexOf(':');
  return i === -1 ? project : project.slice(i + 1);
}

/** How a project appears in an image path: `example.com:proj` → `example.com/proj`. */
export function projectPath(project: string): string {
  return project.replace(':', '/');
}

function cleanId(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
}

/**
 * The default repository ID, the way the guide names it: mycoolproject-prod → mycoolproject-repo.
 * Always a valid repository ID, whatever the input.
 */
export function deriveRepositoryId(project: string): string {
  let base = cleanId(projectLocalPart(String(project ?? '')));
  for (;;) {
    const m = /^(.+)-([a-z0-9]+)$/.exec(base);
    if (!m || !ENV_SUFFIXES.includes(m[2])) break;
    base = m[1];
  }
  base = base.replace(/-repo$/, '');
  const suffix = '-repo';
  base = base.slice(0, 63 - suffix.length).replace(/-+$/, '');
  const id = base ? `${base}${suffix}` : 'docker-repo';
  return validateRepositoryId(id) === true ? id : 'docker-repo';
}

/** The default image name from the folder name: "My Django_App" → "my-django_app"; fallback "app". */
export function deriveImageName(folder: string): string {
  const name = String(folder ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, (m) => m[0])
    .replace(/^[._-]+/, '')
    .slice(0, 64)
    .replace(/[._-]+$/, '');
  return name && validateImageName(name) === true ? name : 'app';
}

export function repositoryName(project: string, location: string, repository: string): string {
  return `projects/${project}/locations/${location}/repositories/${repository}`;
}

/** projects/P/locations/L/repositories/R → parts, or null when it is not that shape. */
export function parseRepositoryName(name: string): { project: string; location: string; repository: string } | null {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)$/.exec(name);
  return m ? { project: m[1], location: m[2], repository: m[3] } : null;
}

/** Docker registry host for a location: southamerica-east1 → southamerica-east1-docker.pkg.dev. */
export function registryHost(location: string): string {
  return `${location}-docker.pkg.dev`;
}

/** HOST/PROJECT/REPOSITORY (what the console calls the registry URL). */
export function registryUrl(host: string, project: string, repository: string): string {
  return `${host}/${projectPath(project)}/${repository}`;
}

/** HOST/PROJECT/REPOSITORY/IMAGE[:TAG]. */
export function imageRef(host: string, project: string, repository: string, image: string, tag?: string): string {
  const base = `${registryUrl(host, project, repository)}/${image}`;
  return tag ? `${base}:${tag}` : base;
}
