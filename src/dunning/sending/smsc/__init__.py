"""Built-in SMPP 3.4 SMSC simulator (issue 3): :class:`Simulator`, its scenarios and :func:`serve`."""

from .scenarios import MoScript, Scenario, ScenarioName, make_scenario
from .simulator import Received, Simulator, SimulatorThread, serve

__all__ = [
    "MoScript",
    "Received",
    "Scenario",
    "ScenarioName",
    "Simulator",
    "SimulatorThread",
    "make_scenario",
    "serve",
]
