/** The cookie an ALB's duration-based (lb_cookie) stickiness sets, and the twin's load balancer too. */
export const STICKINESS_COOKIE = "AWSALB";

/** The stickiness cookie's value among a response's Set-Cookie headers, if the load balancer set one. */
export function stickinessCookieValue(setCookie: string | string[] | undefined): string | undefined {
  const prefix = `${STICKINESS_COOKIE}=`;
  const cookie = [setCookie ?? []].flat().find((candidate) => candidate.startsWith(prefix));
  return cookie?.slice(prefix.length).split(";")[0];
}
