"""The one set of default prover budgets (a module of constants, cheap to import).

What is recorded or re-checked is bounded by Z3's resource limit (``rlimit``: deterministic, the
same on a loaded machine as on an idle one). The wall-clock timeout is only a guard against
hangs; a check it stops is reported as stopped by the guard (see :data:`HANG_GUARD`).
"""

DEFAULT_RLIMIT = 20_000_000  # Z3 resource units per check
DEFAULT_TIMEOUT = 30.0  # wall-clock seconds per call: a hang guard, never the intended bound
HANG_GUARD = "wall-clock hang guard"  # prefix of the reason of a check the guard stopped
