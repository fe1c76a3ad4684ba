/**
 * A fired alert's deliveries as jobs of the work queue: its webhook (`alert.webhook`) and its
 * operator action (`alert.action`), one job each, keyed by the alert's id so a delivery is queued
 * once. An attempt posts the webhook (once more at once when that fails, as before the queue) and
 * records what came back on the alert; a failed attempt is retried by the queue with exponential
 * backoff (10 s, 20 s, 40 s, 80 s), a target the address policy refuses is not. An action that ran
 * is done whatever its exit code (its answer, recorded; a retraining is not run twice); one that
 * could not start is retried.
 */
import type { AlertActionResult, AlertDelivery, MonitorAlert } from '@keel/contracts'
import { type Job, type JobQueue, PermanentJobError } from '../../queue/job-queue.js'
import { deliverWebhook, runAlertAction } from './alerts.js'
import type { MonitorStore } from './monitor-store.js'
import type { RuleContext } from './monitor-validation.js'

export const WEBHOOK_JOB = 'alert.webhook'
export const ACTION_JOB = 'alert.action'
export const WEBHOOK_ATTEMPTS = 5
export const ACTION_ATTEMPTS = 3
export const DELIVERY_BACKOFF_MS = 10_000

interface DeliveryPayload {
  readonly alert: MonitorAlert
}

export interface DeliveryDeps {
  readonly store: MonitorStore
  readonly rules: RuleContext
}

/** Registers the two delivery handlers on the queue. */
export function handleAlertDeliveries(queue: JobQueue, deps: DeliveryDeps): void {
  queue.handle<DeliveryPayload>(
    WEBHOOK_JOB,
    async ({ alert }) => {
      if (!alert.webhook || !(await deps.store.getMonitor(alert.monitorId))) return { skipped: 'monitor deleted' }
      const { webhooks: policy, resolve } = deps.rules
      const webhook: AlertDelivery = await deliverWebhook(alert.webhook.url, alert, {
        policy,
        ...(resolve && { resolve }),
      })
      await deps.store.recordDelivery(alert.alertId, webhook, undefined)
      if (webhook.error === undefined) return webhook
      const message = `webhook ${alert.webhook.url}: ${webhook.error}`
      throw webhook.error.startsWith('refused:') ? new PermanentJobError(message) : new Error(message)
    },
    { maxAttempts: WEBHOOK_ATTEMPTS, backoffMs: DELIVERY_BACKOFF_MS },
  )
  queue.handle<DeliveryPayload>(
    ACTION_JOB,
    async ({ alert }) => {
      if (!alert.action || !(await deps.store.getMonitor(alert.monitorId))) return { skipped: 'monitor deleted' }
      const action: AlertActionResult = await runAlertAction(deps.rules.actions, alert.action.name, alert)
      await deps.store.recordDelivery(alert.alertId, undefined, action)
      if (action.error?.startsWith('could not start')) throw new Error(`action '${action.name}': ${action.error}`)
      return action
    },
    { maxAttempts: ACTION_ATTEMPTS, backoffMs: DELIVERY_BACKOFF_MS },
  )
}

/** Queues the deliveries of freshly stored alerts; the jobs queued. */
export async function queueDeliveries(queue: JobQueue, alerts: readonly MonitorAlert[]): Promise<Job[]> {
  const jobs: Job[] = []
  for (const alert of alerts) {
    if (alert.webhook)
      jobs.push(await queue.enqueue(WEBHOOK_JOB, { alert }, { jobId: `alert-webhook.${alert.alertId}` }))
    // An action already holding an error was not to be run (a rule stored with a command).
    if (alert.action !== undefined && alert.action.error === undefined)
      jobs.push(await queue.enqueue(ACTION_JOB, { alert }, { jobId: `alert-action.${alert.alertId}` }))
  }
  return jobs
}
