"""The three renderings of the same problems: text, JSON and GitHub annotations."""

import io
import json

from generator import report
from generator.model.problem import Problem, Severity
from generator.progress import Progress

PROBLEMS = [
    Problem(Severity.ERROR, "name-format", 'metadata.name "-x" is not valid', hint="Start with a letter",
            file="a/catalog-info.yaml", line=4, entity="component:default/-x"),
    Problem(Severity.WARNING, "dangling-relation", "target missing: 50%, really,\nsecond line",
            file="a/catalog-info.yaml", line=9, entity="component:default/y"),
    Problem(Severity.NOTE, "empty-file", "empty file", file="b: odd,name.yaml"),
]


def test_json_has_summary_and_every_field():
    data = json.loads(report.as_json(PROBLEMS, entity_count=7))
    assert data["summary"] == {"entities": 7, "errors": 1, "warnings": 1, "notes": 1}
    first = data["problems"][0]
    assert first["severity"] == "error"
    assert first["code"] == "name-format"
    assert (first["file"], first["line"], first["entity"]) == ("a/catalog-info.yaml", 4, "component:default/-x")
    assert first["hint"] == "Start with a letter"


def test_github_annotations_escape_data_and_properties():
    lines = report.as_github(PROBLEMS).splitlines()
    assert lines[0] == (
        "::error file=a/catalog-info.yaml,line=4,title=name-format (component%3Adefault/-x)::"
        'metadata.name "-x" is not valid%0AHint: Start with a letter'
    )
    assert lines[1].startswith("::warning file=a/catalog-info.yaml,line=9,")
    assert lines[1].endswith("::target missing: 50%25, really,%0Asecond line")
    assert lines[2] == "::notice file=b%3A odd%2Cname.yaml,title=empty-file::empty file"
    assert len(lines) == 3


def test_text_groups_by_file_and_ends_with_summary():
    text = report.as_text(PROBLEMS, entity_count=1)
    lines = text.splitlines()
    assert lines[0] == "a/catalog-info.yaml"
    assert "error" in lines[1] and "name-format component:default/-x" in lines[1]
    assert lines[1].lstrip().startswith("4")
    assert "hint: Start with a letter" in text
    assert text.count("a/catalog-info.yaml") == 1
    assert lines[-1] == "1 error, 1 warning, 1 note in 1 entity"


def test_summary_pluralises():
    assert report.summary_line(report.summarize([], 3)) == "0 errors, 0 warnings, 0 notes in 3 entities"


def test_progress_prints_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress("cloning shop", done=1, total=4)
    progress("done")
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "[######------------------] 1/4 cloning shop",
        "done",
    ]


def test_progress_can_be_silenced():
    stream = io.StringIO()
    Progress(stream=stream, enabled=False)("hidden")
    assert stream.getvalue() == ""
