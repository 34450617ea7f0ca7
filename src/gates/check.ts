import { baselineRow } from "../report/figures.js";
import type { GateCheck, GateName, GateRow, ModelRow } from "../report/model.js";
import { energyUj, latencyMs, type UnitFigure } from "../report/row-figures.js";
import { GATE_UNITS, type GateSpec } from "./spec.js";

/**
 * Each gate's verdict on the comparison rows. A gate judges every row but the fp32 baseline
 * (the reference the build starts from, not a product of it); a target's gate judges that
 * target's rows and replaces the global gate of the same name there. A row fails when its
 * figure exceeds the limit (a limit is the most allowed). A gate that no row it applies to has
 * a figure for is "no-figure": the CLI treats that as a config error, never a pass.
 */
export function checkGates(specs: readonly GateSpec[], models: readonly ModelRow[]): GateCheck[] {
  const baseline = baselineRow(models);
  const scoped = new Set(specs.filter((spec) => spec.target !== undefined).map((spec) => `${spec.gate}\0${spec.target}`));
  return specs.map((spec): GateCheck => {
    const applies = models.filter((row) => {
      if (row === baseline) return false;
      if (spec.target !== undefined) return row.target === spec.target;
      return row.target === undefined || !scoped.has(`${spec.gate}\0${row.target}`);
    });
    const rows = applies.flatMap((row): GateRow[] => {
      const figure = figureFor(spec.gate, row);
      if (!figure) return [];
      return [
        {
          label: row.label,
          evaluatedBy: row.evaluatedBy,
          value: figure.value,
          passed: figure.value <= spec.limit,
          ...(figure.estimate ? { estimated: figure.estimate.evidence } : {}),
        },
      ];
    });
    const status = rows.length === 0 ? "no-figure" : rows.every((row) => row.passed) ? "passed" : "failed";
    return { gate: spec.gate, field: spec.field, ...(spec.target === undefined ? {} : { target: spec.target }), limit: spec.limit, unit: GATE_UNITS[spec.gate], status, rows };
  });
}

/** The row's figure for a gate, in the gate's unit. */
function figureFor(gate: GateName, row: ModelRow): UnitFigure | undefined {
  switch (gate) {
    case "perplexity_increase":
      return row.quality?.metric === "perplexity" && row.quality.change !== undefined ? { value: row.quality.change } : undefined;
    case "accuracy_drop":
      // The change is in points, negative when accuracy fell: the drop is its opposite.
      return row.quality?.metric === "accuracy" && row.quality.change !== undefined ? { value: -row.quality.change } : undefined;
    case "energy_uj":
      return energyUj(row);
    case "latency_ms":
      return latencyMs(row);
  }
}
