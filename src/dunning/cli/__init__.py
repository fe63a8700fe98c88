"""The ``dunning`` command: an edge. Commands open a unit of work, call a flow, and print.

``dunning.cli.main:app`` is the entry point; each ``*_cmd`` module adds the commands of one noun.
"""

__all__ = ["main"]
