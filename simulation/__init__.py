"""The SimPy simulator: the real router on a simulated clock, metrics, compare, tune, staff."""
