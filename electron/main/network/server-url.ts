/**
 * The URL of `path` (starting with /) on the server at `baseUrl`. Joined, not resolved: new URL('/healthz', base)
 * would drop a base path, and an API behind a gateway (https://gw.example/firstkey) lives under one.
 */
export function serverEndpoint(baseUrl: string, path: string): URL {
  return new URL(`${baseUrl.replace(/\/+$/, '')}${path}`);
}
