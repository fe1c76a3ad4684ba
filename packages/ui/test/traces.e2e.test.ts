/**
 * The traces views in a real browser against a real keel server: traces sent as an application
 * sends them (OTLP/JSON spans; a trace in a run finished with StartTraceV3; feedback), then the
 * experiment's Traces tab (filter, order, pages, all in the URL) and a trace's span tree and details.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KeelServer, api, startKeelServer } from '../../server/test/support/keel-server.js'
import { type Browser, launchBrowser, screenshot, watchErrors } from './support/browser.js'
import { addFeedback, answerSpans, finishInRun, sendSpans, spanId, summarySpans } from './trace-seed.js'

let server: KeelServer
let browser: Browser
let experimentId: string
let runId: string
let okTrace: string
let failedTrace: string
/** The trace ids newest first, as the API orders them by default. */
let newestFirst: string[]

const SUMMARIES = 12

beforeAll(async () => {
  server = await startKeelServer()
  browser = await launchBrowser()
  experimentId = (await api(server.url, 'POST', '/experiments/create', { name: 'support-bot' })).json.experiment_id
  runId = (await api(server.url, 'POST', '/runs/create', { experiment_id: experimentId, run_name: 'rag-eval' })).json
    .run.info.run_id
  const t0 = Date.now() - 3_600_000
  const summaries: string[] = []
  for (let i = 0; i < SUMMARIES; i++)
    summaries.push(await sendSpans(server.url, experimentId, summarySpans(i), t0 + i * 60_000))
  failedTrace = await sendSpans(server.url, experimentId, answerSpans('Is it windy in Bergen?', true), t0 + 20 * 60_000)
  okTrace = await sendSpans(server.url, experimentId, answerSpans("What's the weather in Oslo?"), t0 + 21 * 60_000)
  await finishInRun(server.url, okTrace, runId, { team: 'support', env: 'staging' })
  await addFeedback(server.url, okTrace, {
    name: 'relevance',
    value: true,
    rationale: 'Answers the question with the retrieved forecast.',
    source: 'HUMAN',
    sourceId: 'ada',
  })
  await addFeedback(server.url, okTrace, {
    name: 'groundedness',
    value: 0.5,
    rationale: 'The wind is not in the documents.',
    source: 'LLM_JUDGE',
    sourceId: 'gpt-4o',
  })
  newestFirst = [okTrace, failedTrace, ...summaries.reverse()]
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

const open = async (path: string) => {
  const page = await browser.newPage()
  const errors = watchErrors(page)
  await page.goto(`${server.url}${path}`)
  return { page, errors }
}
const tracesPath = () => `/experiments/${experimentId}/traces`
const tracePath = (traceId: string) => `/experiments/${experimentId}/traces/${traceId}`

/** The trace ids of the table's rows, top to bottom. */
function rowIds(page: Page): Promise<string[]> {
  return page.$$eval('tr[data-trace-id]', (rows) => rows.map((r) => r.getAttribute('data-trace-id')!))
}
const row = (page: Page, traceId: string) => page.locator(`tr[data-trace-id="${traceId}"]`)

/** The tree's rows: [level, name] top to bottom. */
function treeRows(page: Page): Promise<[number, string][]> {
  return page.$$eval('[role=treeitem]', (items) =>
    items.map((i) => [Number(i.getAttribute('aria-level')), i.querySelector('.span-name')?.textContent ?? '']),
  )
}
const treeItem = (page: Page, name: string) => page.getByRole('treeitem').filter({ hasText: name })

describe('traces list', () => {
  it("is the experiment's Traces tab: each trace's id, name, previews, state, time, duration, run, tags and assessments", async () => {
    const { page, errors } = await open(`/experiments/${experimentId}`)
    await page.getByRole('navigation', { name: 'Experiment views' }).getByRole('link', { name: 'Traces' }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe(tracesPath())
    await expect.poll(() => rowIds(page)).toEqual(newestFirst)
    expect(await page.getByRole('link', { name: 'Traces' }).getAttribute('aria-current')).toBe('page')

    const ok = row(page, okTrace)
    const cells = await ok.locator('td').allTextContents()
    expect(cells[0]).toBe(`${okTrace.slice(0, 11)}…`)
    expect(cells[1]).toBe('answer_question')
    expect(cells[2]).toContain("What's the weather in Oslo?")
    expect(cells[3]).toContain('Cloudy, 7°C')
    expect(cells[4]).toBe('OK')
    expect(cells[6]).toBe('820ms')
    expect(cells[8]).toContain('team: support')
    expect(cells[8]).toContain('env: staging')
    expect(cells[9]).toBe('2')
    expect(await ok.getByRole('link', { name: 'rag-eval' }).getAttribute('href')).toBe(`/runs/${runId}`)
    expect(await row(page, failedTrace).locator('[data-state]').textContent()).toBe('Error')
    expect(await row(page, failedTrace).locator('[data-state]').getAttribute('data-state')).toBe('ERROR')
    expect(await page.getByTestId('traces-loaded').textContent()).toBe(`Page 1: ${SUMMARIES + 2} traces`)
    await screenshot(page, 'traces-list')

    await ok.getByRole('link', { name: /^tr-/ }).click()
    await expect.poll(() => new URL(page.url()).pathname).toBe(tracePath(okTrace))
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('answer_question')
    expect(errors).toEqual([])
  })

  it("filters with MLflow's trace filter through the URL, and shows the server's error where it points", async () => {
    const { page, errors } = await open(tracesPath())
    await expect.poll(() => rowIds(page)).toHaveLength(SUMMARIES + 2)
    const box = page.getByLabel('Filter traces')
    await box.fill("trace.status = 'ERROR'")
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => rowIds(page)).toEqual([failedTrace])
    expect(new URL(page.url()).searchParams.get('filter')).toBe("trace.status = 'ERROR'")

    await box.fill("span.type = 'TOOL'")
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => rowIds(page)).toEqual([okTrace])

    // The URL alone reproduces the view.
    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => rowIds(shared)).toEqual([okTrace])
    expect(await shared.getByLabel('Filter traces').inputValue()).toBe("span.type = 'TOOL'")

    await box.fill('trace.status = OK')
    await page.getByRole('button', { name: 'Filter' }).click()
    const alert = page.locator('#traces-filter-error')
    await expect.poll(() => alert.textContent()).toMatch(/position 15/)
    expect(await alert.getAttribute('role')).toBe('alert')
    expect(await box.getAttribute('aria-invalid')).toBe('true')
    expect(await rowIds(page)).toEqual([])
    await screenshot(page, 'traces-filter-error')

    await page.getByRole('button', { name: 'Clear' }).click()
    await expect.poll(() => rowIds(page)).toHaveLength(SUMMARIES + 2)
    expect(new URL(page.url()).searchParams.has('filter')).toBe(false)
    // The 400 the bad filter got is a designed message, not a console error.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([])
  })

  it('pages through next_page_token (the tokens in the URL) and sorts by request time', async () => {
    const { page, errors } = await open(`${tracesPath()}?size=10`)
    await expect.poll(() => rowIds(page)).toEqual(newestFirst.slice(0, 10))
    await page.getByRole('button', { name: 'Next →' }).click()
    await expect.poll(() => rowIds(page)).toEqual(newestFirst.slice(10))
    expect(new URL(page.url()).searchParams.getAll('page')).toHaveLength(1)
    expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true)
    expect(await page.getByTestId('traces-loaded').textContent()).toBe('Page 2: 4 traces (the last page)')

    // The second page's URL opens the second page.
    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => rowIds(shared)).toEqual(newestFirst.slice(10))

    await page.getByRole('button', { name: '← Previous' }).click()
    await expect.poll(() => rowIds(page)).toEqual(newestFirst.slice(0, 10))
    expect(new URL(page.url()).searchParams.has('page')).toBe(false)

    await page.getByRole('button', { name: /^Request time/ }).click()
    await expect.poll(() => rowIds(page)).toEqual([...newestFirst].reverse().slice(0, 10))
    expect(new URL(page.url()).searchParams.get('order')).toBe('timestamp_ms ASC')
    expect(await page.locator('th[aria-sort=ascending]').textContent()).toMatch(/^Request time/)
    expect(errors).toEqual([])
  })
})

describe('trace page', () => {
  it('shows the span tree, indented by parent, with types, durations and a waterfall of their times', async () => {
    const { page, errors } = await open(tracePath(okTrace))
    await expect
      .poll(() => treeRows(page))
      .toEqual([
        [1, 'answer_question'],
        [2, 'retrieve_docs'],
        [2, 'chat_completion'],
        [3, 'get_weather'],
        [3, 'search_web'],
        [2, 'parse_answer'],
      ])
    const llm = treeItem(page, 'chat_completion')
    expect(await llm.locator('.span-type').textContent()).toBe('LLM')
    expect(await llm.locator('.span-dur').textContent()).toBe('580ms')
    expect(await treeItem(page, 'get_weather').locator('.span-type').textContent()).toBe('TOOL')
    // The bar starts and ends where the span did within the 820 ms trace: 200 ms to 780 ms.
    const track = (await llm.locator('.span-timeline').boundingBox())!
    const bar = (await llm.locator('.span-bar').boundingBox())!
    expect((bar.x - track.x) / track.width).toBeCloseTo(200 / 820, 2)
    expect(bar.width / track.width).toBeCloseTo(580 / 820, 2)
    // The root is selected first: the trace's request and answer.
    expect(await treeItem(page, 'answer_question').getAttribute('aria-selected')).toBe('true')
    const details = page.locator('.trace-detail-panel')
    expect(await details.getByRole('heading', { level: 2 }).textContent()).toBe('answer_question')
    expect(await details.locator('pre.json-block').first().textContent()).toBe(
      '{\n  "question": "What\'s the weather in Oslo?"\n}',
    )

    // The trace's facts, assessments and tags.
    expect(await page.locator('.run-facts').first().textContent()).toContain(okTrace)
    expect(await page.getByRole('link', { name: 'rag-eval' }).getAttribute('href')).toBe(`/runs/${runId}`)
    const relevance = page.locator('tr[data-assessment="relevance"]')
    expect(await relevance.textContent()).toContain('yes')
    expect(await relevance.textContent()).toContain('Answers the question with the retrieved forecast.')
    expect(await relevance.textContent()).toContain('HUMAN')
    expect(await page.locator('tr[data-assessment="groundedness"]').textContent()).toContain('0.5')
    const tags = page.locator('section[aria-labelledby="trace-tags-title"]')
    expect(await tags.textContent()).toContain('team')
    expect(await tags.textContent()).toContain('support')
    expect(errors).toEqual([])
  })

  it('selects a span by click or with the keyboard, keeping the selection and the closed spans in the URL', async () => {
    const { page, errors } = await open(tracePath(okTrace))
    await treeItem(page, 'chat_completion').click()
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(spanId('llm'))
    const details = page.locator('.trace-detail-panel')
    expect(await details.getByRole('heading', { level: 2 }).textContent()).toBe('chat_completion')
    const [inputs, outputs] = await details.locator('pre.json-block').allTextContents()
    expect(JSON.parse(inputs!)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer with the documents.' },
        { role: 'user', content: "What's the weather in Oslo?" },
      ],
    })
    expect(JSON.parse(outputs!)).toEqual({ content: 'Cloudy, 7°C, light wind from the north.', finish_reason: 'stop' })
    const attributes = await details.locator('.span-attributes').textContent()
    expect(attributes).toContain('llm.usage.total_tokens412')
    expect(attributes).toContain('llm.modelgpt-4o-mini')
    await screenshot(page, 'trace-page')

    // Down to the first tool, Left back to its parent, Left again closes it.
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(spanId('weather'))
    // The focus follows the selection (the URL changes first, then the tree renders).
    const focused = () => page.evaluate(() => document.activeElement?.querySelector('.span-name')?.textContent)
    await expect.poll(focused).toBe('get_weather')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(spanId('llm'))
    await expect.poll(focused).toBe('chat_completion')
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => treeRows(page)).toHaveLength(4)
    expect(await treeItem(page, 'chat_completion').getAttribute('aria-expanded')).toBe('false')
    expect(new URL(page.url()).searchParams.get('collapsed')).toBe(spanId('llm'))

    // The URL reopens the same view.
    const shared = await browser.newPage()
    await shared.goto(page.url())
    await expect.poll(() => treeRows(shared)).toHaveLength(4)
    expect(await shared.locator('.trace-detail-panel h2').textContent()).toBe('chat_completion')

    // The parent in the details selects the parent.
    await page.locator('.trace-detail-panel').getByRole('button', { name: 'answer_question' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('span')).toBe(spanId('root'))
    expect(errors).toEqual([])
  })

  it('reads a trace in progress again until it ends: open spans show as open, ended ones arrive', async () => {
    // An experiment of its own: the other tests count the traces of theirs.
    const liveExperiment = (await api(server.url, 'POST', '/experiments/create', { name: 'live-agent' })).json
      .experiment_id as string
    const start = Date.now() - 1000
    const root = { id: 'root', name: 'agent_loop', type: 'AGENT', startMs: 0, inputs: { goal: 'book a table' } }
    const traceId = await sendSpans(server.url, liveExperiment, [root], start)
    const { page, errors } = await open(`/experiments/${liveExperiment}/traces/${traceId}`)
    await expect.poll(() => treeRows(page)).toEqual([[1, 'agent_loop']])
    expect(await page.locator('h1 + [data-state]').textContent()).toBe('In progress')
    expect(await treeItem(page, 'agent_loop').locator('.span-dur').textContent()).toBe('open')
    expect(await page.locator('.live-note').textContent()).toMatch(/updating every 3 s/)

    await sendSpans(
      server.url,
      liveExperiment,
      [
        { ...root, endMs: 900, outputs: 'booked' },
        { id: 'book', parent: 'root', name: 'book_table', type: 'TOOL', startMs: 100, endMs: 800 },
      ],
      start,
      traceId.slice('tr-'.length),
    )
    await expect
      .poll(() => treeRows(page), { timeout: 10_000 })
      .toEqual([
        [1, 'agent_loop'],
        [2, 'book_table'],
      ])
    await expect.poll(() => page.locator('h1 + [data-state]').textContent()).toBe('OK')
    expect(await treeItem(page, 'agent_loop').locator('.span-dur').textContent()).toBe('900ms')
    expect(await page.locator('.live-note').count()).toBe(0)
    expect(errors).toEqual([])
  })

  it("shows a failed span's exception first, and marks the failed spans in the tree", async () => {
    const { page, errors } = await open(`${tracePath(failedTrace)}?span=${spanId('llm')}`)
    await expect.poll(() => treeRows(page)).toHaveLength(3)
    expect(await page.locator('h1 + [data-state]').textContent()).toBe('Error')
    expect(await treeItem(page, 'chat_completion').getAttribute('class')).toContain('span-error')
    expect(await treeItem(page, 'retrieve_docs').getAttribute('class')).not.toContain('span-error')
    const exception = page.getByRole('region', { name: 'Exception' })
    expect(await exception.getByRole('heading').textContent()).toContain('RateLimitError')
    expect(await exception.textContent()).toContain('429 Too Many Requests')
    await exception.getByText('Stack trace').click()
    expect(await exception.locator('pre').textContent()).toContain('File "bot.py", line 42, in chat_completion')
    // It comes before the inputs.
    const order = await page
      .locator('.trace-detail-panel')
      .evaluate((d) => [...d.querySelectorAll('.span-exception, h3')].map((e) => e.textContent?.trim() ?? ''))
    expect(order[0]).toMatch(/RateLimitError/)
    expect(await page.locator('.span-status').textContent()).toContain('RateLimitError: 429 Too Many Requests')
    await screenshot(page, 'trace-error')
    expect(errors).toEqual([])
  })
})
