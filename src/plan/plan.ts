import { Graph, alg } from "@dagrejs/graphlib";
import type { Json } from "../util/canonical-json.js";
import type { AnyStageKind } from "./stage-kind.js";

/** Where a stage input comes from: a project file, or an output of another stage. */
export type StageInput =
  | { from: "source"; /** as written in the config */ path: string; /** config field that names it */ field: string }
  | { from: "stage"; stage: string; output: string };

/** One node of the DAG: a stage kind bound to its params and inputs. */
export interface StageInstance {
  readonly id: string;
  readonly kind: AnyStageKind;
  /** Params as the kind reads them. */
  readonly params: Record<string, Json>;
  /** Param name → the config field it came from (for the lock and explanations). */
  readonly origins: Record<string, string>;
  readonly inputs: Record<string, StageInput>;
  /** Output name → path under the build folder where it is copied after the build. */
  readonly materialize: Record<string, string>;
  /** Set when the stage's metrics are a row of the report's comparison table (see ReportRow). */
  readonly row?: ReportRow;
}

/**
 * A row of the report's comparison table: the model (or spiking network) it measures and its
 * label. The stage's metrics follow the row-metrics contract of src/report/model.ts.
 */
export interface ReportRow {
  label: string;
  /** The artifact measured: its size is the row's size on disk. */
  model: StageInput;
  /** The target the row lowers to, when it is a target's row. */
  target?: string;
}

/** The planned build: pure data, made without touching the disk. */
export interface Plan {
  readonly stages: ReadonlyMap<string, StageInstance>;
  /** Stage ids in a topological order (stable: ties broken by insertion order). */
  readonly order: readonly string[];
  readonly graph: Graph;
}

/** Collects stage instances and derives the graph; stages are added in dependency order. */
export class PlanBuilder {
  private readonly stages = new Map<string, StageInstance>();

  add(stage: StageInstance): StageInstance {
    if (this.stages.has(stage.id)) throw new Error(`plan: duplicate stage id ${stage.id}`);
    for (const [slot, input] of Object.entries(stage.inputs)) {
      if (input.from === "stage" && !this.stages.has(input.stage)) {
        throw new Error(`plan: stage ${stage.id} input ${slot} names unknown stage ${input.stage}`);
      }
    }
    this.stages.set(stage.id, stage);
    return stage;
  }

  has(id: string): boolean {
    return this.stages.has(id);
  }

  /** A fresh id based on `base`: `base`, then `base-2`, `base-3`, ... */
  uniqueId(base: string): string {
    if (!this.stages.has(base)) return base;
    for (let n = 2; ; n++) if (!this.stages.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  finish(): Plan {
    const graph = new Graph({ directed: true });
    for (const id of this.stages.keys()) graph.setNode(id);
    for (const stage of this.stages.values()) {
      for (const input of Object.values(stage.inputs)) {
        if (input.from === "stage") graph.setEdge(input.stage, stage.id);
      }
    }
    if (!alg.isAcyclic(graph)) throw new Error(`plan: stage graph has a cycle: ${alg.findCycles(graph).join("; ")}`);
    // Insertion order is already a topological order (inputs must exist when a stage is added).
    return { stages: this.stages, order: [...this.stages.keys()], graph };
  }
}

/** Params bound to the config fields they come from: `bind({ window: ["data.evaluation.window", 128] })`. */
export function bindParams(fields: Record<string, readonly [field: string, value: Json | undefined]>): {
  params: Record<string, Json>;
  origins: Record<string, string>;
} {
  const params: Record<string, Json> = {};
  const origins: Record<string, string> = {};
  for (const [name, [field, value]] of Object.entries(fields)) {
    if (value === undefined) continue;
    params[name] = value;
    origins[name] = field;
  }
  return { params, origins };
}

/** Stages that consume the given stage's outputs. */
export function downstreamOf(plan: Plan, id: string): string[] {
  return (plan.graph.successors(id) ?? []).slice().sort();
}
