"""Template pages: the form, how to start it (gh and playbill), and what was made from it,
built from real files in a real Git repository in tmp_path."""

from __future__ import annotations

import html
import itertools
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.read import read_catalog
from generator.model.scm import RepoWeb
from generator.model.source import SourceTree
from generator.render import RenderOptions, render_site
from generator.render.scaffolded import scaffold_index
from generator.site_paths import _segment, entity_url
from generator.scaffold.template import SOURCE_TEMPLATE, SOURCE_TEMPLATE_COMMIT
from generator.scaffold.workflows import MAX_INPUTS
from gitrepo import commit, make_repo

GLOBS = ("templates/*/template.yaml", "services/*/catalog-info.yaml")
GITHUB = RepoWeb("github", "https://github.com/acme/portal", "main")

TEMPLATE = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: svc
  title: Service
  description: {description}
spec:
  owner: team-a
  type: service
  parameters:
    - title: About it
      required: [name]
      properties:
        name:
          title: Name
          type: string
          description: Lower case, with dashes.
        flavour:
          title: Flavour
          type: string
          enum: [plain, fancy]
          enumNames: [Plain, Fancy]
          default: plain
    - title: Access
      properties:
        apiKey:
          title: API key
          type: string
          ui:field: Secret
        private:
          type: boolean
          default: true
  steps:
    - id: log
      action: debug:log
      input: {{message: hi}}
"""

BROKEN = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: {name: broken}
spec:
  owner: team-a
  type: service
  parameters:
    properties:
      name: {type: 42}
  steps:
    - {id: log, action: debug:log, input: {message: hi}}
"""


def service(name: str, template: str | None, sha: str | None) -> str:
    annotations = {}
    if template:
        annotations[SOURCE_TEMPLATE] = template
    if sha:
        annotations[SOURCE_TEMPLATE_COMMIT] = sha
    lines = "".join(f"    {key}: {value!r}\n" for key, value in annotations.items())
    return (f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
            + (f"  annotations:\n{lines}" if lines else "")
            + "spec: {type: service, lifecycle: production, owner: team-a}\n")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A portal repository: the template in two versions, then services made from each."""
    root = tmp_path_factory.mktemp("portal") / "repo"
    repo = make_repo(root, {"templates/svc/template.yaml": TEMPLATE.format(description="v1")},
                     message="Add the svc template")
    old = str(repo.head.target)
    current = commit(repo, {"templates/svc/template.yaml": TEMPLATE.format(description="v2"),
                            "templates/broken/template.yaml": BROKEN}, "Template v2")
    later = commit(repo, {
        "services/alpha/catalog-info.yaml": service("alpha", "template:default/svc", current),
        "services/beta/catalog-info.yaml": service("beta", "svc", old),
        "services/gamma/catalog-info.yaml": service("gamma", "Template:SVC", "f" * 40),
        "services/plain/catalog-info.yaml": service("plain", None, None),
    }, "Services made from svc")
    # made while HEAD was `later`: a commit that did not touch the template's folder
    commit(repo, {"services/delta/catalog-info.yaml":
                  service("delta", "template:default/svc", later)}, "Delta")
    return {"root": root, "old": old, "current": current, "later": later}


def build(history, out: Path, web: RepoWeb | None = GITHUB, workers: int = 1):
    tree = SourceTree(name="portal", root=history["root"], globs=GLOBS, web=web,
                      display_prefix="portal/")
    catalog = read_catalog([tree])
    result = render_site(catalog, out, RenderOptions(strict=True, workers=workers))
    assert result.problems == []
    return catalog


@pytest.fixture(scope="module")
def site(history, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build(history, out)
    return out


def page(site: Path, ref: str) -> str:
    return (site / entity_url(ref)).read_text(encoding="utf-8")


def section(text: str, section_id: str) -> str:
    start = text.index(f'<section id="{section_id}"')
    return text[start:text.index("</section>", start)]


def code_blocks(text: str) -> list[str]:
    return [html.unescape(code) for code in
            re.findall(r'<pre class="command"[^>]*><code>(.*?)</code></pre>', text, re.S)]


def test_the_form_shows_each_step_and_field(site):
    run = section(page(site, "template:default/svc"), "run")
    assert '<h3 id="form-step-1">Step 1: About it</h3>' in run
    assert '<h3 id="form-step-2">Step 2: Access</h3>' in run
    name = run[run.index("<code>name</code>"):]
    name = name[:name.index("</tr>")]
    assert "<td>string</td>" in name and "<td>Yes</td>" in name
    assert "Lower case, with dashes." in name
    assert 'Name<br><code>name</code>' in run
    flavour = run[run.index("<code>flavour</code>"):]
    flavour = flavour[:flavour.index("</tr>")]
    assert "<td><code>plain</code></td>" in flavour  # the default
    assert "<li><code>plain</code> Plain</li><li><code>fancy</code> Fancy</li>" in flavour
    secret = run[run.index("<code>apiKey</code>"):]
    assert '<span class="badge badge-secret">secret</span>' in secret[:secret.index("</tr>")]


def test_the_page_offers_the_workflow_and_a_ready_gh_command(site):
    run = section(page(site, "template:default/svc"), "run")
    assert ('<a href="https://github.com/acme/portal/actions/workflows/scaffold-svc.yml" '
            'rel="noopener">') in run
    gh, local = code_blocks(run)
    assert gh == ("gh workflow run scaffold-svc.yml --repo acme/portal "
                  "-f 'name=<name>' -f flavour=plain -f private=true")
    assert local == ("playbill scaffold run svc -p 'name=<name>' -p flavour=plain "
                     "-p private=true --secrets-from-env")
    assert "<code>SCAFFOLD_APIKEY</code>" in run and "<code>PLAYBILL_SECRET_apiKey</code>" in run


def test_made_from_lists_each_entity_with_its_template_version(site, history):
    made = section(page(site, "template:default/svc"), "made-from")
    assert "Made from this template (4)" in made
    assert f'<code title="{history["current"]}">{history["current"][:7]}</code>' in made
    rows = {ref: row for row in made.split("<tr>")[2:]
            for ref in re.findall(r'data-ref="([^"]+)"', row)}
    assert list(rows) == [f"component:default/{n}" for n in ("alpha", "beta", "delta", "gamma")]
    expected = {"alpha": (history["current"], "current"), "beta": (history["old"], "older"),
                "delta": (history["later"], "current"), "gamma": ("f" * 40, "unknown")}
    for name, (sha, status) in expected.items():
        row = rows[f"component:default/{name}"]
        assert f'<code title="{sha}">{sha[:7]}</code>' in row, name
        assert f'class="version version-{status}"' in row, name


def test_a_scaffolded_entity_names_its_template_and_version(site, history):
    text = page(site, "component:default/beta")
    line = text[text.index('<p class="scaffolded-from">'):]
    line = line[:line.index("</p>")]
    assert 'Scaffolded from <a href="../../../entity/default/template/svc.html"' in line
    assert f'at <code title="{history["old"]}">{history["old"][:7]}</code>' in line
    assert 'class="scaffolded-from"' not in page(site, "component:default/plain")


def test_a_template_whose_form_is_broken_still_gets_its_page(site):
    text = page(site, "template:default/broken")
    run = section(text, "run")
    assert "This template cannot be run as written" in run
    assert "not a valid JSON schema" in run
    assert not code_blocks(run)
    assert "Made from this template (0)" in text


def test_templates_elsewhere_than_github_are_started_locally(history, tmp_path):
    build(history, tmp_path / "site", RepoWeb("gitlab", "https://gitlab.com/acme/portal", "main"))
    run = section(page(tmp_path / "site", "template:default/svc"), "run")
    assert "on Gitlab, not GitHub" in run and "actions/workflows" not in run
    assert [c.split()[0] for c in code_blocks(run)] == ["playbill"]


def test_without_a_known_host_the_gh_command_has_no_repo(history, tmp_path):
    build(history, tmp_path / "site", web=None)
    run = section(page(tmp_path / "site", "template:default/svc"), "run")
    gh = code_blocks(run)[0]
    assert gh.startswith("gh workflow run scaffold-svc.yml -f ") and "--repo" not in gh
    assert "actions/workflows" not in run


def test_the_site_is_the_same_with_a_process_pool(history, site, tmp_path):
    build(history, tmp_path / "pool", workers=2)
    for ref in ("template:default/svc", "component:default/delta"):
        assert page(tmp_path / "pool", ref) == page(site, ref)


def test_forms_over_the_input_limit_say_which_fields_are_packed(tmp_path):
    fields = "".join(f"        f{i:02d}: {{{{type: string, default: x}}}}\n"
                     for i in range(MAX_INPUTS + 2))
    text = TEMPLATE.replace("      required: [name]\n", "").replace(
        "      properties:\n        name:", "      properties:\n" + fields + "        name:", 1)
    make_repo(tmp_path / "repo", {"templates/svc/template.yaml": text.format(description="x")})
    build({"root": tmp_path / "repo"}, tmp_path / "site")
    run = section(page(tmp_path / "site", "template:default/svc"), "run")
    assert f"GitHub allows only {MAX_INPUTS} inputs" in run
    assert "packed into one JSON input, <code>parameters</code>" in run


def test_source_template_refs_compare_as_entity_refs(history):
    tree = SourceTree(name="portal", root=history["root"], globs=GLOBS)
    index = scaffold_index(read_catalog([tree]))
    assert list(index) == ["template:default/svc"]
    assert [ref for ref, _ in index["template:default/svc"]] == [
        f"component:default/{n}" for n in ("alpha", "beta", "delta", "gamma")]


def test_github_enterprise_sources_name_their_host(history, tmp_path):
    web = RepoWeb("github", "https://ghe.example.com/acme/portal", "main")
    build(history, tmp_path / "site", web)
    run = section(page(tmp_path / "site", "template:default/svc"), "run")
    assert 'href="https://ghe.example.com/acme/portal/actions/workflows/scaffold-svc.yml"' in run
    assert code_blocks(run)[0].startswith(
        "gh workflow run scaffold-svc.yml --repo ghe.example.com/acme/portal -f ")


def test_url_segments_are_what_quote_makes_of_them():
    """`_segment`'s shortcut for plain names must give what percent-encoding gives."""
    chars = ["a", "Z", "0", "_", ".", "-", "~", " ", "/", "%", "é", "\n", "+", ":", "İ", "?"]
    texts = ["".join(combo) for n in range(4) for combo in itertools.product(chars, repeat=n)]
    assert [t for t in texts if _segment(t) != quote(t, safe="")] == []
    assert entity_url("component:default/a b") == "entity/default/component/a%20b.html"
