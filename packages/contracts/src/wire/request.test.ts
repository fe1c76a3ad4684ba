import { describe, expect, it } from 'vitest'
import { KeelError } from '../errors.js'
import { trackingApi } from './tracking-api.js'
import { buildRequest } from './request.js'

describe('buildRequest', () => {
  it('fills path parameters percent-encoded and leaves them out of a GET query', () => {
    const built = buildRequest(trackingApi.getLoggedModel, { model_id: 'm-1/2 ü', allow_deleted: true })
    expect(built).toEqual({
      method: 'GET',
      path: '/mlflow/logged-models/m-1%2F2%20%C3%BC',
      url: '/api/2.0/mlflow/logged-models/m-1%2F2%20%C3%BC?allow_deleted=true',
    })
  })

  it('names a missing or empty path parameter', () => {
    for (const request of [{}, { model_id: '' }, { model_id: null }]) {
      const thrown = catchError(() => buildRequest(trackingApi.deleteLoggedModelTag, { ...request, tag_key: 'a' }))
      expect(thrown).toBeInstanceOf(KeelError)
      expect(thrown).toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: "Missing path parameter 'model_id'" })
    }
    expect(() => buildRequest(trackingApi.deleteLoggedModelTag, { model_id: 'm-1' })).toThrow(
      "Missing path parameter 'tag_key'",
    )
  })

  it('puts a GET in the query string: arrays as repeated keys, absent fields left out, under the prefix and major', () => {
    const built = buildRequest(
      trackingApi.getMetricHistoryBulkInterval,
      { run_ids: ['a', 'b&c'], metric_key: 'loss x', start_step: 0, end_step: undefined, max_results: null },
      '/ajax-api',
    )
    expect(built.body).toBeUndefined()
    expect(built.url).toBe(
      '/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=a&run_ids=b%26c&metric_key=loss+x&start_step=0',
    )
    expect(buildRequest(trackingApi.serverInfo, {}).url).toBe('/api/3.0/mlflow/server-info')
  })

  it('refuses a GET field that cannot be a query parameter, naming it', () => {
    expect(() => buildRequest(trackingApi.getExperiment, { experiment_id: { id: 1 } })).toThrow(
      "Field 'experiment_id' cannot be sent in a query string",
    )
  })

  it('sends any other method the whole message as a JSON body, path parameters included', () => {
    const request = { model_id: 'm 1', status: 'LOGGED_MODEL_READY' }
    const built = buildRequest(trackingApi.finalizeLoggedModel, request)
    expect(built).toEqual({
      method: 'PATCH',
      path: '/mlflow/logged-models/m%201',
      url: '/api/2.0/mlflow/logged-models/m%201',
      body: JSON.stringify(request),
    })
    const post = buildRequest(trackingApi.createExperiment, { name: 'e', tags: [{ key: 'k', value: 'v' }] })
    expect(post.method).toBe('POST')
    expect(post.url).toBe('/api/2.0/mlflow/experiments/create')
    expect(JSON.parse(post.body ?? '')).toEqual({ name: 'e', tags: [{ key: 'k', value: 'v' }] })
  })
})

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}
