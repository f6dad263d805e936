"""Command-line value types shared by every command (one place for what a valid option is)."""

from __future__ import annotations

import math

import click

WEEK = 7 * 24 * 3600.0


class Seconds(click.ParamType):
    """A finite number of seconds in ``[low, high]`` (``nan``, ``inf`` and ``1e308`` are refused
    with a one-line message, not passed on to a solver or a timer)."""

    name = "seconds"

    def __init__(self, low: float = 0.001, high: float = WEEK):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            x = float(value)
        else:
            try:
                x = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(x) or not self.low <= x <= self.high:
            self.fail(f"{value!r} is not a finite number of seconds from {self.low:g} to {self.high:g}", param, ctx)
        return x

    def __repr__(self) -> str:
        return f"Seconds({self.low:g}..{self.high:g})"


class FiniteFloat(click.FloatRange):
    """:class:`click.FloatRange` that also refuses ``nan`` and ``±inf`` (``nan`` passes every
    bound of a plain FloatRange, and ``inf`` every lower one)."""

    name = "number"

    def convert(self, value, param, ctx):
        x = super().convert(value, param, ctx)
        if not math.isfinite(x):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return x


# The batch jobs' Ray option (nsp synth mutate/search, nsp graph verify): one runner behind all of
# them (nsp.workers), so one declaration.
RAY = click.option(
    "--ray", "ray_address", metavar="ADDRESS|auto|local", default=None,
    help="Run as Ray tasks: 'local' starts a Ray instance here with --workers CPUs, else ray.init(address=...).")
