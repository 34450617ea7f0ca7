import type { Plan } from "./plan.js";

/** The stage DAG in Graphviz DOT: one node per stage (labelled with its kind), one edge per input. */
export function toDot(plan: Plan): string {
  const lines = ["digraph slm {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];'];
  for (const id of plan.order) lines.push(`  ${quote(id)} [label=${quote(`${id}\\n(${plan.stages.get(id)!.kind.id})`)}];`);
  for (const [from, to, label] of edges(plan)) lines.push(`  ${quote(from)} -> ${quote(to)} [label=${quote(label)}];`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** The stage DAG as a Mermaid flowchart (renders in GitHub Markdown). */
export function toMermaid(plan: Plan): string {
  const ids = new Map(plan.order.map((id, i) => [id, `s${i}`]));
  const lines = ["flowchart LR"];
  for (const id of plan.order) lines.push(`  ${ids.get(id)}["${id}<br/>(${plan.stages.get(id)!.kind.id})"]`);
  for (const [from, to, label] of edges(plan)) lines.push(`  ${ids.get(from)} -->|${label}| ${ids.get(to)}`);
  return `${lines.join("\n")}\n`;
}

function edges(plan: Plan): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const id of plan.order) {
    for (const input of Object.values(plan.stages.get(id)!.inputs)) {
      if (input.from === "stage") out.push([input.stage, id, input.output]);
    }
  }
  return out;
}

/** A DOT string literal; `\n` in the text is DOT's own line break and is kept. */
function quote(text: string): string {
  return `"${text.replace(/"/g, '\\"')}"`;
}
