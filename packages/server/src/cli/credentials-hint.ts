/** What to tell someone the server refused with 401, from the credentials the CLI sent (the SDK's variables). */
export function credentialsHint(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MLFLOW_TRACKING_TOKEN) {
    return 'the token in MLFLOW_TRACKING_TOKEN was refused (revoked, expired or mistyped?): create another with `keel tokens create`, or unset it to sign in with MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD'
  }
  if (env.MLFLOW_TRACKING_USERNAME)
    return `check MLFLOW_TRACKING_USERNAME (${env.MLFLOW_TRACKING_USERNAME}) and MLFLOW_TRACKING_PASSWORD, or set MLFLOW_TRACKING_TOKEN`
  return 'set MLFLOW_TRACKING_TOKEN (a token from `keel tokens create`), or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD'
}
