"""Default Z3 budgets of synthesis jobs (a module of constants, cheap to import)."""

DEFAULT_RLIMIT = 20_000_000  # Z3 resource units per check: deterministic, unlike a clock
DEFAULT_TIMEOUT = 30.0  # wall-clock seconds per Z3 call: a backstop to the resource limit
