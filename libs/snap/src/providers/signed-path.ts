/**
 * The path a provider signs follows its URL path (PROTOCOL.md §2), less the URL's context
 * prefix the provider leaves out of the string to sign (NICEPay's `/nicepay`). Derived, not
 * stored beside the URL path: a deployment that moves a URL path moves its signed path with it.
 */
export function signedPathOf(urlPath: string, unsignedUrlPrefix: unknown): string {
  // Anything but a prefix (a bad override) is left for the profile schema to name.
  if (typeof unsignedUrlPrefix !== 'string' || unsignedUrlPrefix === '') return urlPath;
  return urlPath.startsWith(`${unsignedUrlPrefix}/`)
    ? urlPath.slice(unsignedUrlPrefix.length)
    : urlPath;
}
