"""The dashboard: server-rendered pages (Jinja2), inline SVG charts, no build step, nothing from a CDN."""

__all__: list[str] = []
