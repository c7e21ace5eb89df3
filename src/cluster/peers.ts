/** The name of an optional peer dependency of `serve`. */
export type PeerDependency = 'bullmq' | 'ioredis' | 'pg' | 'prom-client' | '@aws-sdk/client-s3';

/**
 * The optional peer dependencies `serve` may need, each with its loader (a literal `import()`, so
 * bundlers and the ES module build see it).
 */
const PEERS: Record<PeerDependency, () => Promise<unknown>> = {
  bullmq: () => import('bullmq'),
  ioredis: () => import('ioredis'),
  pg: () => import('pg'),
  'prom-client': () => import('prom-client'),
  '@aws-sdk/client-s3': () => import('@aws-sdk/client-s3'),
};

/**
 * Which of `names` cannot be loaded (not installed, or failing to load), in the order given: tried
 * all, so that one message names every missing package at once instead of one per attempt.
 */
export async function missingPeerDependencies(
  names: readonly PeerDependency[],
): Promise<PeerDependency[]> {
  const loaded = await Promise.all(
    names.map((name) =>
      PEERS[name]().then(
        () => true,
        () => false,
      ),
    ),
  );
  return names.filter((_, i) => !loaded[i]);
}

/** `serve needs the optional peer dependencies pg, prom-client: npm install pg prom-client`. */
export function missingPeersMessage(missing: readonly PeerDependency[]): string {
  const plural = missing.length > 1 ? 'dependencies' : 'dependency';
  return `serve needs the optional peer ${plural} ${missing.join(', ')}: npm install ${missing.join(' ')}`;
}
