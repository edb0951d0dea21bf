import { Deviation, when } from '../api'

// Deviations is the "Deviations from the guide" panel of the claim, ERA and
// eligibility views (issue 17): what the received files (835, 277CA, the
// 999s and TA1s acknowledging a claim's batch, 271s) deviate from their
// implementation guides, as the tolerant inbound check recorded it. The
// files were routed and posted all the same; the panel shows codes and
// positions, never values from the file.
export function Deviations({ list, headingId }: { list: Deviation[]; headingId: string }) {
  if (list.length === 0) return null
  return (
    <section aria-labelledby={headingId} data-testid="deviations">
      <h2 id={headingId}>Deviations from the guide</h2>
      <p>
        These received files deviate from their implementation guides. They were routed and posted as sent: a warning leaves the
        meaning intact; an error is a fault that was tolerated. Ask the payer or clearinghouse to correct repeated ones.
      </p>
      <table className="grid">
        <thead>
          <tr><th scope="col">Code</th><th scope="col">Severity</th><th scope="col">SNIP level</th><th scope="col">Description</th>
            <th scope="col">Position</th><th scope="col">File</th></tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={`${d.transaction_set}/${d.st02}/${d.segment}/${d.element}/${d.component}/${d.repetition}/${d.code}`}
              data-testid="deviation" data-code={d.code} data-segment-id={d.segment_id} data-element={d.element} data-severity={d.severity}>
              <td data-testid="deviation-code"><strong>{d.code}</strong></td>
              <td><span className={'badge ' + (d.severity === 'error' ? 'grade-bad' : 'grade-watch')}>{d.severity}</span></td>
              <td className="num">{d.snip_level}</td>
              <td data-testid="deviation-description">{d.description}</td>
              <td data-testid="deviation-position">{d.where}</td>
              <td>{d.transaction_set} <time dateTime={d.recorded_at}>{when(d.recorded_at)}</time></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
