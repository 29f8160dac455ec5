"""`playbill owner set`: change who owns an entity, as a reviewed change to its source file.

`change.py` finds the entity and checks the new owner against the catalog, `edit.py`
rewrites the one line that holds `spec.owner`, and `publish.py` turns the edit into a
commit on a new local branch or a pull request through the GitHub REST API.
"""
