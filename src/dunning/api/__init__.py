"""The REST API (``/v1``) and the HTTP server that also serves the dashboard: a thin edge over
:mod:`dunning.flows`."""

__all__: list[str] = []
