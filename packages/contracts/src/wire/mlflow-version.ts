/**
 * The MLflow release whose REST API keel implements, and what keel's `/version` answers, as an
 * MLflow server answers its own: the MLflow client gates features on it (span logging needs at
 * least 3.4). It is the version the compatibility suite runs the stock client of
 * (python/requirements.txt); keel's own version is in the `X-Keel-Version` header of the same
 * response and in `keel --version`.
 */
export const MLFLOW_API_VERSION = '3.17.2'
