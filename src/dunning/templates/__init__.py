"""SMS templates: versioned YAML data, approval, typed variables and rendering.

Public API (pinned by tests/test_public_api.py)::

    load_templates(path) -> TemplateCatalog          parse_templates(text, source) -> TemplateCatalog
    load_default_templates(profile) -> TemplateCatalog
    approve_version(path, template_id, version, *, by, at, override=None) -> TemplateVersion
    render(template, version, values, context=None) -> str
    render_frame(frame, catalog, context) -> pl.DataFrame
    RenderContext.from_settings(settings=None) -> RenderContext

Errors: ConfigError (a bad file, bilingual, names template and version), NotFound (unknown id or
version), InputError (bad approval request; RenderError for a missing value in ``render``).
"""

from __future__ import annotations

from dunning.templates.catalog import (
    approve_version,
    default_templates_text,
    load_default_templates,
    load_templates,
    parse_templates,
)
from dunning.templates.models import State, Template, TemplateCatalog, TemplateVersion
from dunning.templates.render import (
    OUTPUT_SCHEMA,
    RenderContext,
    RenderError,
    RowValues,
    render,
    render_frame,
    render_version,
    sample_values,
)
from dunning.templates.syntax import MAX_BODY_CHARS, Placeholder, parse_body
from dunning.templates.variables import VARIABLES, Variable

__all__ = [
    "MAX_BODY_CHARS",
    "OUTPUT_SCHEMA",
    "VARIABLES",
    "Placeholder",
    "RenderContext",
    "RenderError",
    "RowValues",
    "State",
    "Template",
    "TemplateCatalog",
    "TemplateVersion",
    "Variable",
    "approve_version",
    "default_templates_text",
    "load_default_templates",
    "load_templates",
    "parse_body",
    "parse_templates",
    "render",
    "render_frame",
    "render_version",
    "sample_values",
]
