/** A version's stage as a coloured badge ("No stage" for None). */
export function StageBadge({ stage }: { stage: string }) {
  const cls =
    stage === 'Production'
      ? 'stage-production'
      : stage === 'Staging'
        ? 'stage-staging'
        : stage === 'Archived'
          ? 'stage-archived'
          : 'stage-none'
  return <span className={`stage ${cls}`}>{stage === 'None' ? 'No stage' : stage}</span>
}
