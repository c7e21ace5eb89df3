/** Replaces every registered secret in a text with `[REDACTED]`. */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret; values shorter than 6 characters are too common to mask safely. */
  add(secret: string | null | undefined): void {
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[REDACTED]');
    return out.replace(/(Bearer\s+)[\w.~+/=-]+/gi, '$1[REDACTED]');
  }
}
