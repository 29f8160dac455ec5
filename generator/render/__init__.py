"""The render stage: the catalog as a static HTML site (Jinja2 templates in site_templates/)."""
