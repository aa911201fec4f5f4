/** Pure's own version, reported by `pure version` and GET /v1/version. */
export const PURE_VERSION = '0.1.0';
