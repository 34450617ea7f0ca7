/** One param of a plugin, as `slm passes` / `slm targets` list it. */
export interface ParamDescription {
  name: string;
  type: string;
  default?: unknown;
  description?: string;
}

interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  minimum?: number;
  maximum?: number;
}

/** The top-level params of a JSON Schema object, with types written for people (`4 | 8`, `number 0..1`). */
export function describeParams(schema: object): ParamDescription[] {
  const properties = (schema as SchemaNode).properties ?? {};
  return Object.keys(properties)
    .sort()
    .map((name) => {
      const node = properties[name]!;
      return {
        name,
        type: typeOf(node),
        ...(node.default === undefined ? {} : { default: node.default }),
        ...(node.description ? { description: node.description } : {}),
      };
    });
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(node.type) ? node.type.join(" | ") : (node.type ?? "any");
  if (node.minimum !== undefined || node.maximum !== undefined) return `${type} ${node.minimum ?? ""}..${node.maximum ?? ""}`;
  return type;
}
