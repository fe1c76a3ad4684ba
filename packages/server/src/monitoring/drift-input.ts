/**
 * The drift report of a request's or a command's data: @keel/monitoring's `buildDriftReport`, its
 * input errors (an unknown column or test, a bad threshold or drift share, an empty dataset) turned
 * into INVALID_PARAMETER_VALUE, so the caller gets a 4xx (or exit 1) naming the problem, never a 5xx.
 */
import { KeelError } from '@keel/contracts'
import {
  buildDriftReport,
  buildDriftReportAsync,
  type DriftReport,
  DriftReportInputError,
  type DriftReportOptions,
  type DriftTable,
} from '@keel/monitoring'

/** driftReportOf with the drift tests on the worker pool (buildDriftReportAsync): the same report. */
export async function driftReportOfAsync(
  reference: DriftTable,
  current: DriftTable,
  options: DriftReportOptions & { workers?: number },
): Promise<DriftReport> {
  try {
    return await buildDriftReportAsync(reference, current, options)
  } catch (error) {
    if (error instanceof DriftReportInputError) throw KeelError.invalid(error.message)
    throw error
  }
}

export function driftReportOf(reference: DriftTable, current: DriftTable, options: DriftReportOptions): DriftReport {
  try {
    return buildDriftReport(reference, current, options)
  } catch (error) {
    if (error instanceof DriftReportInputError) throw KeelError.invalid(error.message)
    throw error
  }
}
