/**
 * Reading HDF5 files with h5py (the reference Python reader NIR and lava-dl use) from tests:
 * SLM_PYTHON, else python3, else /usr/bin/python3 (Debian's python3-h5py), whichever imports
 * h5py. Without one the tests that need it skip with the reason printed, unless CI is set.
 */
import { spawnSync } from "node:child_process";

/** A dataset as h5py reads it: its dtype kind, shape, and value (small ones) as JSON. */
export interface H5Dataset {
  kind: string;
  shape: number[];
  value?: unknown;
}

const candidates = [...new Set([process.env.SLM_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p))];

/** The first Python that imports h5py, or undefined. */
export const python = candidates.find((exe) => spawnSync(exe, ["-c", "import h5py"], { stdio: "ignore" }).status === 0);

/** Why h5py tests skip; throws under CI, where h5py must be installed (.ci/run installs python3-h5py). */
export function h5pyMissing(): string | undefined {
  if (python) return undefined;
  const reason = `h5py not found (tried ${candidates.join(", ")}; install python3-h5py or set SLM_PYTHON)`;
  if (process.env.CI) throw new Error(`${reason}; CI must have it`);
  console.warn(`skipping HDF5 layout tests: ${reason}`);
  return reason;
}

const DUMP = `
import h5py, json, sys
out = {}
def plain(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, list): return [plain(x) for x in v]
    return v
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        v = obj[()]
        entry = {"kind": obj.dtype.kind, "shape": list(obj.shape)}
        if obj.size <= 8:
            entry["value"] = plain(v.tolist() if hasattr(v, "tolist") else v)
        out[name] = entry
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
print(json.dumps(out))
`;

/** Every dataset of the file by path, as h5py reads it. */
export function h5Datasets(path: string): Record<string, H5Dataset> {
  const run = spawnSync(python!, ["-c", DUMP, path], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`h5py could not read ${path}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, H5Dataset>;
}

/** Runs a Python snippet with h5py and numpy imported and `paths` bound (a list); returns its stdout. */
export function h5Python(paths: readonly string[], code: string): string {
  const run = spawnSync(python!, ["-c", `import h5py, numpy as np, sys\npaths = sys.argv[1:]\n${code}`, ...paths], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`h5py snippet failed on ${paths.join(", ")}: ${run.stderr}`);
  return run.stdout.trim();
}
