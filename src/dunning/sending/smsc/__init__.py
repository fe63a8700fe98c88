"""Built-in SMPP 3.4 SMSC simulator (issue 3): :class:`Simulator`, its scenarios and :func:`serve`."""

from .debtors import INTENTS, reply_text
from .scenarios import DEMO_REPLIES, MoScript, Scenario, ScenarioName, make_scenario
from .simulator import Received, ScriptedReply, Simulator, SimulatorThread, serve

__all__ = [
    "DEMO_REPLIES",
    "INTENTS",
    "MoScript",
    "Received",
    "Scenario",
    "ScenarioName",
    "ScriptedReply",
    "Simulator",
    "SimulatorThread",
    "make_scenario",
    "reply_text",
    "serve",
]
