// Where the emulator's dockerImages list/get come from. The lab reads the real
// docker-registry behind its TLS front; tests of the emulator alone use MemoryImageCatalog.

export interface CatalogImage {
  /** Image name inside the repository, e.g. "app" or "team/app". */
  image: string;
  /** sha256:… of the manifest. */
  digest: string;
  tags: string[];
  sizeBytes: number;
  /** RFC 3339. */
  uploadTime: string;
  mediaType: string;
  /** RFC 3339; default uploadTime. */
  buildTime?: string;
}

export interface ImageCatalog {
  /** Images (one entry per digest) in a repository; project is the project id. */
  list(project: string, location: string, repositoryId: string): Promise<CatalogImage[]>;
  /** Forget every image of a repository (it was deleted). Without it, a repository created
   *  again under the same name would show the old images. */
  drop?(project: string, location: string, repositoryId: string): Promise<void>;
}

export const DOCKER_V2_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

/** An in-memory catalog: add images by hand. */
export class MemoryImageCatalog implements ImageCatalog {
  private readonly repos = new Map<string, CatalogImage[]>();

  private key(project: string, location: string, repositoryId: string): string {
    return `${project}/${location}/${repositoryId}`;
  }

  /** Add (or replace, by image + digest) an image; fills mediaType/uploadTime when left out. */
  add(
    project: string,
    location: string,
    repositoryId: string,
    img: Omit<CatalogImage, 'mediaType' | 'uploadTime'> & Partial<Pick<CatalogImage, 'mediaType' | 'uploadTime'>>,
  ): this {
    const k = this.key(project, location, repositoryId);
    const list = (this.repos.get(k) ?? []).filter((x) => !(x.image === img.image && x.digest === img.digest));
    list.push({ mediaType: DOCKER_V2_MANIFEST, uploadTime: new Date().toISOString(), ...img });
    this.repos.set(k, list);
    return this;
  }

  clear(): void {
    this.repos.clear();
  }

  async drop(project: string, location: string, repositoryId: string): Promise<void> {
    this.repos.delete(this.key(project, location, repositoryId));
  }

  async list(project: string, location: string, repositoryId: string): Promise<CatalogImage[]> {
    return (this.repos.get(this.key(project, location, repositoryId)) ?? []).map((x) => ({ ...x, tags: [...x.tags] }));
  }
}
