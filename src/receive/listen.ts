/**
 * A listen address `host:port` (`[::1]:8080` for IPv6; `:8080` is `defaultHost`), or `undefined`
 * when it is not one (no port, a port above 65535).
 */
export function parseListen(
  value: string,
  defaultHost: string,
): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) return undefined;
  return { host: match[1] ?? (match[2] || defaultHost), port };
}
