/** `${NAME}`: an environment variable's value in a configuration string. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A `${NAME}` whose variable is not set, and where it was. */
export interface MissingVariable {
  path: Array<string | number>;
  name: string;
}

/**
 * Replaces every `${NAME}` in the string values of `value` (at any depth) by `env[NAME]`. Returns
 * the new value and the references whose variable is not set (left as they are).
 */
export function expandEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  path: Array<string | number> = [],
  missing: MissingVariable[] = [],
): { value: unknown; missing: MissingVariable[] } {
  if (typeof value === 'string') {
    const expanded = value.replace(REFERENCE, (whole, name: string) => {
      const found = env[name];
      if (found === undefined) {
        missing.push({ path, name });
        return whole;
      }
      return found;
    });
    return { value: expanded, missing };
  }
  if (Array.isArray(value))
    return {
      value: value.map((item, i) => expandEnv(item, env, [...path, i], missing).value),
      missing,
    };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = expandEnv(item, env, [...path, key], missing).value;
    return { value: out, missing };
  }
  return { value, missing };
}
