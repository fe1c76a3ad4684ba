/** MLflow's wildcard in host and origin lists: `*` matches any run of characters; nothing else is special. */
export function globPattern(entry: string): RegExp {
  const source = entry
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${source}$`, 'i')
}
