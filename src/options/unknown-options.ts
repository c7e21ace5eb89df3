import { nearest } from '../util/nearest';

/** The `code` of the warning for an option key a face does not know (`process.emitWarning`). */
export const UNKNOWN_OPTION_WARNING = 'AUTH0_LOG_TOOLS_UNKNOWN_OPTION';

/** Option objects a face above already checked and hands on (the stream's to its client). */
const checked = new WeakSet<object>();
/** `face.key` pairs already warned about: a loop that builds a processor per run warns once. */
const warned = new Set<string>();

/**
 * Warns, once per process for each face and key, about every own key of `options` that `face` does
 * not know, naming the nearest known one: a plain-JavaScript typo (`logtypes`) would otherwise be
 * ignored and change what is shipped. A warning (`process.emitWarning`, type
 * `Auth0LogToolsWarning`, code {@link UNKNOWN_OPTION_WARNING}), never an error: callers of the
 * original package pass extra keys and keep working. Keys of an object passed to
 * {@link checkedOptions} are not checked again.
 */
export function warnUnknownOptions(face: string, options: object, known: object): void {
  if (checked.has(options)) return;
  const names = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key) || warned.has(`${face}.${key}`)) continue;
    warned.add(`${face}.${key}`);
    const near = nearest(key, names);
    process.emitWarning(
      `${face} ignores the option \`${key}\`${near ? `; did you mean \`${near}\`?` : ` (not one of its options)`}`,
      { type: 'Auth0LogToolsWarning', code: UNKNOWN_OPTION_WARNING },
    );
  }
}

/** Marks `options` as checked by the face that builds another from them; returns it. */
export function checkedOptions<T extends object>(options: T): T {
  checked.add(options);
  return options;
}
