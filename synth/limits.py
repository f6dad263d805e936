"""Default Z3 budgets of synthesis jobs: the one set every prover user shares
(:mod:`provers.limits`), re-exported here (a module of constants, cheap to import)."""

from provers.limits import DEFAULT_RLIMIT, DEFAULT_TIMEOUT  # noqa: F401
