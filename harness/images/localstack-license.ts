/**
 * LocalStack images from 2026.3 on (`latest`, `stable`, calendar versions, and anything after 4.14)
 * exit with code 55 unless LOCALSTACK_AUTH_TOKEN is set. This tells, from the reference alone,
 * whether an image is known to start without a token.
 */
export function localstackNeedsToken(reference: string): boolean {
  const tag = reference.includes(":") ? reference.slice(reference.lastIndexOf(":") + 1) : "latest";
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(tag);
  if (!match) return true;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major >= 2000) return true;
  return major > 4 || (major === 4 && minor > 14);
}
