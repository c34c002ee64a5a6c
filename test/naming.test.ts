import { describe, expect, it } from 'vitest';
import {
  deriveImageName, deriveRepositoryId, imageRef, parseRepositoryName, projectPath, registryHost, registryUrl, repositoryName,
} from '../src/naming.js';

describe('deriveRepositoryId', () => {
  it.each([
    ['mycoolproject-prod', 'mycoolproject-repo'],
    ['mycoolproject-dev', 'mycoolproject-repo'],
    ['shop-staging', 'shop-repo'],
    ['shop-test', 'shop-repo'],
    ['acme-web-prod-dev', 'acme-web-repo'],
    ['mycoolproject', 'mycoolproject-repo'],
    ['example.com:store-prod', 'store-repo'],
    ['prod', 'prod-repo'],
    ['thing-repo', 'thing-repo'],
    ['123', 'docker-repo'],
    ['a'.repeat(80), 'a'.repeat(58) + '-repo'],
  ])('%s → %s', (p, want) => {
    expect(deriveRepositoryId(p)).toBe(want);
  });
});

describe('deriveImageName', () => {
  it.each([
    ['mycoolproject', 'mycoolproject'],
    ['My Django_App', 'my-django_app'],
    ['--', 'app'],
    ['', 'app'],
    ['Café!', 'caf'],
  ])('%s → %s', (f, want) => expect(deriveImageName(f)).toBe(want));
});

describe('paths', () => {
  it('builds and parses resource names and image paths', () => {
    const n = repositoryName('mycoolproject-prod', 'southamerica-east1', 'mycoolproject-repo');
    expect(n).toBe('projects/mycoolproject-prod/locations/southamerica-east1/repositories/mycoolproject-repo');
    expect(parseRepositoryName(n)).toEqual({ project: 'mycoolproject-prod', location: 'southamerica-east1', repository: 'mycoolproject-repo' });
    expect(parseRepositoryName('projects/x')).toBeNull();
    const host = registryHost('southamerica-east1');
    expect(host).toBe('southamerica-east1-docker.pkg.dev');
    expect(registryUrl(host, 'mycoolproject-prod', 'mycoolproject-repo')).toBe('southamerica-east1-docker.pkg.dev/mycoolproject-prod/mycoolproject-repo');
    expect(imageRef(host, 'example.com:proj', 'r', 'app', 'latest')).toBe('southamerica-east1-docker.pkg.dev/example.com/proj/r/app:latest');
    expect(projectPath('plain-proj')).toBe('plain-proj');
  });
});
