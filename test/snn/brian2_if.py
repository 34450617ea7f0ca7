"""Runs fully connected IF networks in Brian2 and prints per-neuron spike counts as JSON.

Reads from stdin {"target": "numpy" | "cython" (optional), "networks": [network, ...]}, each
network {"T": steps, "reset": "subtract" | "zero", "inputs": [[x_i] per sample],
"encoder": {"threshold": [..], "initial": [..]},
"layers": [{"weight": [[w_ij]] (in x out), "bias": [..], "threshold": [..], "initial": [..]}]}.
One process runs them all (Brian2 takes seconds to start), and each network is built once and
run sample after sample, its state reset in between (a new network per sample would make
Cython compile its code again: generated names change).

The network is slm's rate-coded SNN written the Brian2 way: an encoder group whose neurons
integrate their input x_i every step, then one group per layer. Every step, each group adds its
constant drive (x or bias) in the `groups` slot; then, in the `thresholds` slot, in layer order:
a group's threshold, then the synapses to the next layer (zero delay), then the next group's
threshold. So a spike reaches the next layer in the same step, as in slm's simulator. Resets
(v -= threshold, or v = 0) happen in the `resets` slot, which changes nothing downstream.

Prints {"results": [{"counts": [[per-neuron counts, summed over samples] per group],
"seconds": [network.run wall time per sample]}]}.
"""
import json
import sys
import time

import numpy
from brian2 import NeuronGroup, Network, SpikeMonitor, Synapses, defaultclock, ms, prefs

request = json.load(sys.stdin)
prefs.codegen.target = request.get("target", "numpy")
defaultclock.dt = 1 * ms
MODEL = "v : 1\ndrive : 1 (constant)\nth : 1 (constant)"


def group(n, drive, threshold, order, reset):
    g = NeuronGroup(n, MODEL, threshold="v >= th", reset="v -= th" if reset == "subtract" else "v = 0", method="exact", order=order)
    g.drive = drive
    g.th = threshold
    g.run_regularly("v += drive", when="groups")
    return g


def simulate(spec):
    encoder = spec["encoder"]
    groups = [group(len(encoder["threshold"]), 0, encoder["threshold"], 0, spec["reset"])]
    initial = [numpy.array(encoder["initial"])]
    synapses = []
    for index, layer in enumerate(spec["layers"]):
        g = group(len(layer["bias"]), layer["bias"], layer["threshold"], 2 * index + 2, spec["reset"])
        weight = numpy.array(layer["weight"])
        pre, post = numpy.nonzero(weight)
        s = Synapses(groups[-1], g, "w : 1", on_pre="v_post += w")
        s.connect(i=pre, j=post)
        s.w = weight[pre, post]
        # Same step as the spikes: after the sending group's threshold, before the receiving one's.
        s.pre.when = "thresholds"
        s.pre.order = 2 * index + 1
        groups.append(g)
        synapses.append(s)
        initial.append(numpy.array(layer["initial"]))
    monitors = [SpikeMonitor(g) for g in groups]
    network = Network(*groups, *synapses, *monitors)
    seconds = []
    for x in spec["inputs"]:
        groups[0].drive = x
        for g, v in zip(groups, initial):
            g.v = v
        start = time.perf_counter()
        network.run(spec["T"] * defaultclock.dt)
        seconds.append(time.perf_counter() - start)
    return {"counts": [[int(c) for c in m.count] for m in monitors], "seconds": seconds}


print(json.dumps({"results": [simulate(spec) for spec in request["networks"]]}))
