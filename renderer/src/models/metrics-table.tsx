/** A table of fit metrics in d units: one row per split, its regions (grain, ACTR, interior) indented under it. */
import { formatCount } from '../format';
import { formatError, formatR2, type MetricsRow } from './model-format';

export interface MetricsTableProps {
  rows: MetricsRow[];
  testId: string;
  /** Said under the table, e.g. which patterns the numbers come from. */
  note?: string;
}

export function MetricsTable({ rows, testId, note }: MetricsTableProps) {
  return (
    <div className="metrics-table-wrap">
      <table className="metrics-table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">patterns</th>
            <th scope="col" className="num">
              n
            </th>
            <th scope="col" className="num" title="Mean absolute error of d">
              MAE
            </th>
            <th scope="col" className="num" title="Root-mean-square error of d">
              RMSE
            </th>
            <th scope="col" className="num" title="Coefficient of determination (— when the true d is constant)">
              R²
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.region ? 'metrics-table__region' : undefined} data-testid="metrics-row" data-row={row.key}>
              <th scope="row">{row.label}</th>
              <td className="num">{formatCount(row.metrics.count)}</td>
              <td className="num">{formatError(row.metrics.mae)}</td>
              <td className="num">{formatError(row.metrics.rmse)}</td>
              <td className="num">{formatR2(row.metrics.r2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {note && <p className="metrics-table__note muted">{note}</p>}
    </div>
  );
}
