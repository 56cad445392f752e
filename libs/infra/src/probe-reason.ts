/**
 * A dependency's failure as a probe without credentials answers it (`/health/ready`): what
 * happened, without where (addresses, ports, host names) or as whom (user, role and database
 * names), which anyone who can reach the port would read. The clients' own log lines keep the
 * full text for the operator.
 */
export function probeReason(message: string): string {
  return (
    message
      // `connect ECONNREFUSED 10.0.3.4:5432`, `getaddrinfo ENOTFOUND redis.internal`, `::1:6379`
      .replace(
        /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\s+\S+/g,
        '$1 <address>',
      )
      .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<address>')
      // `password authentication failed for user "recon"`, `database "snap" does not exist`
      .replace(/\b(user|role|database)\s+"[^"]*"/gi, '$1 "<name>"')
  );
}
