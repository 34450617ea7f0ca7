/**
 * Akida's chip-specific estimates from a measured board figure (pure). BrainChip publishes no
 * per-operation energy; the reference board's MetaTF output gives power and frames per second
 * for a network that used a known number of NPs. Energy per frame = power ÷ fps (measured-derived);
 * slm scales it by the NPs this network uses over the reference network's (an assumption: the
 * figure is mostly the board's floor power, spread over the NPs that network kept busy).
 * Latency likewise: the reference frame time 1/fps × NPs used / NPs of the reference.
 */

/** A measured board run (profile facts). */
export interface BoardMeasurement {
  powerW: number;
  fps: number;
  nps: number;
}

/** Energy per inference in µJ. */
export function energyMicrojoules(board: BoardMeasurement, npsUsed: number): number {
  return (board.powerW / board.fps) * (npsUsed / board.nps) * 1e6;
}

/** Chip latency per inference in ms. */
export function latencyMs(board: BoardMeasurement, npsUsed: number): number {
  return (1000 / board.fps) * (npsUsed / board.nps);
}
