export * from './histograms.js'
export * from './drift-report.js'
export { renderHtmlReport } from './html.js'
