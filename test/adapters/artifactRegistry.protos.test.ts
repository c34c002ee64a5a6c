// The build cuts the API client's protos down to what the adapter calls (scripts/api-protos.mjs):
// the cut must still hold every method, type and service the client and google-gax look up, and
// a new call in the adapter must bring its method along (or fail the build, never the run).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, plain JavaScript
import { cutProtos, lookupsIn, methodsCalledIn, mixinsIn, protobufFor } from '../../scripts/api-protos.mjs';

const clientPkg = createRequire(import.meta.url).resolve('@google-cloud/artifact-registry/package.json');
const full = JSON.parse(readFileSync(join(dirname(clientPkg), 'build', 'protos', 'protos.json'), 'utf8'));
const clientSource = readFileSync(join(dirname(clientPkg), 'build', 'src', 'v1', 'artifact_registry_client.js'), 'utf8');
const adapterSource = readFileSync(new URL('../../src/adapters/artifactRegistry.ts', import.meta.url), 'utf8');
const protobuf = protobufFor(clientPkg);
const SERVICE = 'google.devtools.artifactregistry.v1.ArtifactRegistry';

interface Cut {
  json: object;
  kept: string[];
  methods: string[];
}
const cut = (methods: string[], lookups = lookupsIn(clientSource) as string[]): Cut =>
  cutProtos(full, { methods, lookups, mixins: mixinsIn(clientSource), protobuf }) as Cut;

describe('methodsCalledIn: the client methods a source calls', () => {
  it.each([
    ['a plain call', 'await s.client.getRepository({ name })', ['getRepository']],
    ['the Async and Stream forms of a list', 's.client.listDockerImagesAsync(x); s.client.listFilesStream(y)', ['listDockerImages', 'listFiles']],
    ['a progress check is not a method of the service', 's.client.checkCreateRepositoryProgress(op)', []],
    ['each name once', 'client.getRepository(a); client.getRepository(b)', ['getRepository']],
    ['not a call on a client', 'other.getRepository(a); clientX.deleteRepository(b)', []],
  ])('%s', (_case, source, expected) => {
    expect(methodsCalledIn(source)).toEqual(expected);
  });

  it('finds what the adapter calls today', () => {
    expect([...methodsCalledIn(adapterSource)].sort()).toEqual(
      ['createRepository', 'deleteRepository', 'getRepository', 'listDockerImages', 'listLocations', 'updateRepository'],
    );
  });
});

describe('the cut of the real protos, for the adapter', () => {
  const result = cut(methodsCalledIn(adapterSource));
  const root = protobuf.Root.fromJSON(result.json);

  it('keeps only the methods the adapter calls (listLocations belongs to the locations client)', () => {
    expect([...result.methods].sort()).toEqual(['CreateRepository', 'DeleteRepository', 'GetRepository', 'ListDockerImages', 'UpdateRepository']);
    expect(Object.keys(root.lookupService(SERVICE).methods).sort()).toEqual([...result.methods].sort());
  });

  it.each(lookupsIn(clientSource) as string[])('has %s, which the client looks up by name', (name) => {
    expect(root.lookup(name)).not.toBeNull();
  });

  it.each([
    ['google-gax\'s operations client looks up its service here', '.google.longrunning.Operations'],
    ['a created repository is decoded as this', '.google.devtools.artifactregistry.v1.Repository'],
    ['a nested type keeps the message it lives in', '.google.devtools.artifactregistry.v1.CleanupPolicyCondition.TagState'],
    ['error details', '.google.rpc.Status'],
  ])('%s: %s', (_case, name) => {
    expect(root.lookup(name)).not.toBeNull();
  });

  it('leaves out what no kept method reaches (v1beta2, other formats)', () => {
    expect(root.lookup('.google.devtools.artifactregistry.v1beta2')).toBeNull();
    expect(root.lookup('.google.devtools.artifactregistry.v1.MavenArtifact')).toBeNull();
    expect(JSON.stringify(result.json).length).toBeLessThan(JSON.stringify(full).length / 2);
  });

  it('encodes and decodes what the adapter sends and reads, as the full protos do', () => {
    const fullRoot = protobuf.Root.fromJSON(full);
    const repo = {
      name: 'projects/p/locations/r/repositories/x',
      format: 'DOCKER',
      cleanupPolicies: { keep: { id: 'keep', action: 'KEEP', mostRecentVersions: { keepCount: 5 } } },
    };
    for (const type of ['.google.devtools.artifactregistry.v1.Repository', '.google.devtools.artifactregistry.v1.UpdateRepositoryRequest']) {
      const msg = type.endsWith('Request') ? { repository: repo, updateMask: { paths: ['cleanup_policies'] } } : repo;
      const a = root.lookupType(type);
      const b = fullRoot.lookupType(type);
      expect(Buffer.from(a.encode(a.fromObject(msg)).finish())).toEqual(Buffer.from(b.encode(b.fromObject(msg)).finish()));
    }
  });
});

describe('the cut, on small protos', () => {
  const v1 = (nested: object) => ({ nested: { google: { nested: { devtools: { nested: { artifactregistry: { nested: { v1: { nested } } } } } } } } });
  const small = v1({
    ArtifactRegistry: {
      methods: {
        GetThing: { requestType: 'Req', responseType: 'Outer.Inner' },
        ListOther: { requestType: 'Unused', responseType: 'Unused' },
      },
    },
    Req: { fields: { when: { type: 'Stamp', id: 1 }, labels: { keyType: 'string', type: 'Label', id: 2 } } },
    Stamp: { fields: { s: { type: 'int64', id: 1 } } },
    Label: { fields: { v: { type: 'string', id: 1 } } },
    Outer: { fields: { dep: { type: 'Dep', id: 1 } }, nested: { Inner: { fields: { z: { type: 'int32', id: 1 } } }, Spare: { fields: {} } } },
    Dep: { values: { A: 0 } },
    Unused: { fields: {} },
  });
  const P = '.google.devtools.artifactregistry.v1';

  it.each([
    ['a method kept keeps its request, the field types it reaches and map values', ['getThing'], ['Dep', 'Label', 'Outer', 'Outer.Inner', 'Req', 'Stamp']],
    ['no method: only the service', [], []],
  ])('%s', (_case, methods, types) => {
    const r = cutProtos(small, { methods, lookups: [], mixins: [], protobuf }) as Cut;
    expect(r.kept.filter((k) => k !== `${P}.ArtifactRegistry`)).toEqual(types.map((t) => `${P}.${t}`));
  });

  it('a nested type that is reached keeps the message it lives in, and that message\'s fields', () => {
    const root = protobuf.Root.fromJSON((cutProtos(small, { methods: ['getThing'], lookups: [], mixins: [], protobuf }) as Cut).json);
    expect(root.lookup(`${P}.Outer.Inner`)).not.toBeNull();
    expect(root.lookup(`${P}.Outer.Spare`)).toBeNull();
    expect(root.lookup(`${P}.Unused`)).toBeNull();
  });
});

describe('what fails the build', () => {
  it.each([
    ['a method the service does not have', ['getRepository', 'frobnicate'], undefined, /has no method frobnicate/],
    ['a lookup the protos do not have', ['getRepository'], ['.google.devtools.artifactregistry.v1.NoSuchType'], /looks up \.google\.devtools\.artifactregistry\.v1\.NoSuchType/],
  ])('%s', (_case, methods, lookups, error) => {
    expect(() => cut(methods, lookups)).toThrow(error);
  });

  it('a method of another client (the locations mixin) is not an error', () => {
    expect(cut(['listLocations']).methods).toEqual([]);
  });
});
