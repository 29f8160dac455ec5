"""Software templates: Backstage `Template` entities run as CI jobs and from the CLI.

Apart from the catalog build: `template` reads templates, `parameters` checks the values
a user gives, `expressions` renders `${{ … }}`, `actions/` and `runner` do the steps,
`workflows` writes the GitHub Actions that start them.
"""
