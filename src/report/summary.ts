import { comparisonSection, gatesSection } from "./markdown.js";
import { gatesVerdict } from "./gate-table.js";
import type { Report } from "./model.js";

/**
 * The short Markdown of a build for a CI job's summary page (GitHub Actions'
 * $GITHUB_STEP_SUMMARY) or a pull-request comment: the verdict of the gates, the gates table and
 * the comparison table with its notes. The full report stays in report.md / report.html.
 */
export function summaryMarkdown(report: Report): string {
  const stages = report.run.stages;
  const ran = stages.filter((stage) => stage.state === "ran").length;
  const cached = stages.filter((stage) => stage.state === "cached").length;
  return [
    `### slm: ${report.project.name}: ${gatesVerdict(report)}`,
    "",
    `${stages.length} stages: ${ran} ran, ${cached} from the cache.`,
    "",
    ...gatesSection(report, "#### Gates"),
    "#### Models",
    "",
    ...comparisonSection(report),
  ].join("\n");
}
