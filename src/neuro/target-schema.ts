/**
 * The config params every neuromorphic target takes (`profile`, `chips`), merged into a
 * target's own params schema.
 */

/** JSON Schema properties shared by the neuromorphic targets. */
export const neuromorphicParams = {
  profile: {
    type: "string",
    minLength: 1,
    description: "Path (relative to the project) of this project's copy of the hardware profile; default: the one shipped in targets/<name>/target.yaml.",
  },
  chips: {
    type: "integer",
    minimum: 1,
    default: 1,
    description: "Most chips the network may be mapped onto; a network that needs more fails in map, naming the layer.",
  },
} as const;

/** A target's params schema: its own properties beside `profile` and `chips`. */
export function neuromorphicTargetSchema(properties: Record<string, object> = {}): object {
  return { type: "object", additionalProperties: false, properties: { ...neuromorphicParams, ...properties } };
}
