/** The runtime defaults an image carries: the OCI config's `config` object, with Docker's capitalised keys. */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: {
    Test?: string[];
    /** Nanoseconds, as in Docker's config. */
    Interval?: number;
    Timeout?: number;
    StartPeriod?: number;
    Retries?: number;
  };
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface LayerRecord {
  /** sha256 of the uncompressed layer tar. */
  diffId: string;
  /** OCI chain id: names the stack of layers up to this one, and the unpacked dir `layers/<hex>`. */
  chainId: string;
  /** Sum of the regular file sizes in the layer. */
  size: number;
}

export interface ImageRecord {
  /** `sha256:<hex>` of the config blob. */
  id: string;
  /** Familiar `name:tag` strings, sorted. Empty for a dangling image. */
  repoTags: string[];
  created: string;
  /** Sum of the unpacked layer sizes. */
  size: number;
  architecture: string;
  os: string;
  config: ImageConfig;
  /** Lowest layer first. */
  layers: LayerRecord[];
  /** Digest of the OCI manifest Pure stored for the image (uncompressed layers). */
  manifestDigest: string;
  /** `name@sha256:…` of the manifests (or indexes) the image was pulled as; absent when never pulled. */
  repoDigests?: string[];
}

/** The OCI image config document (image-spec config.md), as far as Pure reads it. */
export interface OciImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface OciManifest {
  schemaVersion: number;
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
}

export interface OciIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: OciDescriptor[];
}
