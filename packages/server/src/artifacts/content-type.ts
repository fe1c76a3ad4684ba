/**
 * The Content-Type of a downloaded artifact, as MLflow's server gives it (`_guess_mime_type` in
 * mlflow/utils/mime_type_utils.py): `text/plain` for the text formats MLflow lists (by the
 * extension as written, or the whole name when there is none: `MLmodel`), else what Python's
 * `mimetypes.guess_type` finds for the name (extension as written, then lowercased, after a
 * compression suffix such as `.gz` is set aside), else `application/octet-stream`. The table holds
 * the types of files runs log, as Python on Debian maps them (its own table and /etc/mime.types).
 *
 * One deliberate difference: HTML and SVG go as `text/plain`, so that no browser ever runs an
 * artifact as a page of keel's origin (MLflow sends text/html and image/svg+xml; both send
 * `attachment` and `nosniff`).
 */

const TEXT_EXTENSIONS = new Set([
  'txt',
  'log',
  'err',
  'cfg',
  'conf',
  'cnf',
  'cf',
  'ini',
  'properties',
  'prop',
  'hocon',
  'toml',
  'yaml',
  'yml',
  'xml',
  'json',
  'js',
  'py',
  'py3',
  'csv',
  'tsv',
  'md',
  'rst',
  'ipynb',
  'MLmodel',
  'mlproject',
])

const SAFE_TEXT = 'text/plain'

const TYPES: Record<string, string | undefined> = {
  txt: 'text/plain',
  json: 'application/json',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  xml: 'application/xml',
  js: 'text/javascript',
  mjs: 'text/javascript',
  css: 'text/css',
  sh: 'text/x-sh',
  c: 'text/x-csrc',
  h: 'text/x-chdr',
  java: 'text/x-java',
  html: SAFE_TEXT,
  htm: SAFE_TEXT,
  svg: SAFE_TEXT,
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  webp: 'image/webp',
  ico: 'image/vnd.microsoft.icon',
  mp4: 'video/mp4',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  zip: 'application/zip',
  tar: 'application/x-tar',
  '7z': 'application/x-7z-compressed',
  jar: 'application/java-archive',
  h5: 'application/x-hdf5',
  wasm: 'application/wasm',
  rtf: 'application/rtf',
  epub: 'application/epub+zip',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  bin: 'application/octet-stream',
}

/** Python's suffix_map (`.tgz` is `.tar.gz`) and encodings_map (a compression, not a type). */
const SUFFIXES: Record<string, string | undefined> = {
  tgz: 'tar.gz',
  taz: 'tar.gz',
  tz: 'tar.gz',
  tbz2: 'tar.bz2',
  txz: 'tar.xz',
}
const ENCODINGS = new Set(['gz', 'Z', 'bz2', 'xz', 'br'])

/** Python's os.path.splitext on a file name, without the dot: leading dots start no extension. */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 && /[^.]/.test(name.slice(0, dot)) ? name.slice(dot + 1) : ''
}

/** Python's mimetypes.guess_type on a file name (strict): the type, or undefined. */
function guessType(name: string): string | undefined {
  let base = name
  let ext = extensionOf(base)
  for (let expanded = SUFFIXES[ext.toLowerCase()]; expanded !== undefined; expanded = SUFFIXES[ext.toLowerCase()]) {
    base = `${base.slice(0, -ext.length)}${expanded}`
    ext = extensionOf(base)
  }
  // A compression suffix (case-sensitive, as Python's) is the encoding; the type is the name's before it.
  if (ENCODINGS.has(ext)) ext = extensionOf(base.slice(0, -(ext.length + 1)))
  return ext === '' ? undefined : TYPES[ext.toLowerCase()]
}

/** The Content-Type for a download of the artifact at `path`. */
export function artifactContentType(path: string): string {
  const name = path.split('/').pop() ?? ''
  const ext = extensionOf(name)
  if (TEXT_EXTENSIONS.has(ext === '' ? name : ext)) return 'text/plain'
  return guessType(name) ?? 'application/octet-stream'
}
