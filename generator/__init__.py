"""Playbill: a static, GitOps developer portal for Backstage-format catalogs.

The build is a pipeline of stages, one module each:
sources -> load -> validate -> graph -> (status -> docs -> render -> search).
Nouns shared between stages live in `generator.model`.
"""

__version__ = "0.1.0"
