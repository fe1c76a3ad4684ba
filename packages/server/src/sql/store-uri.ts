/** Store URIs in logs, errors and CLI output: the password is never shown. No dependencies. */
export function redactStoreUri(uri: string): string {
  return uri.replace(/^([^:]+:\/\/[^:/@]+:)([^@]*)@/, '$1***@')
}
