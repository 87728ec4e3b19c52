// The weights the diagram draws at the step shown. A small training asks for every record's weights
// (`record_weights`, state.js says when); a larger one has only each run's first and last (`include_weights`),
// and then the diagram shows the last ones at any step past 0 and its caption says so.

const largest = (layers) => Math.max(0, ...layers.flatMap((l) => l.W.flat().map(Math.abs)));

export function createWeightSource() {
  let runs = []; // per run: {records: Map step -> layers, initial, final, last step, scale}

  return {
    /** A new training of `count` runs. */
    reset(count) {
      runs = Array.from({ length: count }, () => ({ records: new Map(), initial: null, final: null, last: null,
        scale: 0 }));
    },
    /** The weights a record carries. */
    remember(run, step, layers) {
      runs[run].records.set(step, layers);
      runs[run].scale = Math.max(runs[run].scale, largest(layers));
    },
    /** A run's end line: its first and last weights. */
    known(run, end) {
      if (!end.weights) return;
      Object.assign(runs[run], { initial: end.weights.initial, final: end.weights.final, last: end.steps_taken });
      runs[run].scale = Math.max(runs[run].scale, largest(end.weights.initial), largest(end.weights.final));
    },
    /**
     * What the diagram draws for `run` at `step`: {layers, step, exact} (`exact`: the weights of that very
     * step; else the run's last weights, at `step`), or null while none are known.
     */
    at(run, step) {
      const r = runs[run];
      if (!r) return null;
      const recorded = r.records.get(step);
      if (recorded) return { layers: recorded, step, exact: true };
      if (step === 0 && r.initial) return { layers: r.initial, step, exact: true };
      if (r.final) return { layers: r.final, step: r.last, exact: step === r.last };
      return null;
    },
    /** The largest |w| the run reaches among the weights known: one scale for its whole training. */
    scale: (run) => runs[run]?.scale || 1,
  };
}
