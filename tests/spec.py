"""Names that SPEC.md lists, written out once for the tests that check the registries against it."""

SPEC_SURFACES = {
    "quadratic",
    "rosenbrock",
    "saddle",
    "monkey_saddle",
    "beale",
    "himmelblau",
    "booth",
    "goldstein_price",
    "six_hump_camel",
    "rastrigin",
    "ackley",
    "parabola",
    "wavy",
    "cosh",
}
SPEC_OPTIMIZERS = {
    "sgd",
    "adagrad",
    "rmsprop",
    "adam",
    "adamw",
    "adamax",
    "nadam",
    "radam",
    "adadelta",
    "newton",
    "saddle_free_newton",
    "lion",
}
