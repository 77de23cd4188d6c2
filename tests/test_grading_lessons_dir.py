"""Where ``gdlab grade`` finds lessons/ without --lessons.

Reported: in the Binder image gdlab is installed into site-packages from the repository
(``pip install .`` in binder/postBuild), so "lessons/ next to the package" pointed into
site-packages and ``gdlab grade`` failed unless told ``--lessons``. The places looked at
are faked here the same way: a package folder without lessons/ beside it, a working
directory, and the folder pip installed from (PEP 610's direct_url.json).
"""
import json
from pathlib import Path

import pytest

from gdlab.cli import main
from gdlab.grading import batch


@pytest.fixture
def places(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "gdlab" / "grading").mkdir(parents=True)
    monkeypatch.setattr(batch, "__file__", str(site / "gdlab" / "grading" / "batch.py"))
    repo, work = tmp_path / "repo", tmp_path / "work"
    repo.mkdir()
    work.mkdir()
    monkeypatch.setattr(batch, "_installed_from", lambda: repo)
    monkeypatch.chdir(work)
    return {"site": site, "repo": repo, "work": work}


def test_binder_layout_finds_the_repository_it_was_installed_from(places):
    (places["repo"] / "lessons").mkdir()
    assert batch.default_lessons_dir() == places["repo"] / "lessons"


def test_the_working_directory_comes_first(places):
    (places["repo"] / "lessons").mkdir()
    (places["work"] / "lessons").mkdir()
    assert batch.default_lessons_dir() == places["work"] / "lessons"


def test_not_found_names_every_place_and_the_option(places, capsys):
    sub = places["work"] / "alice.ipynb"
    sub.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                               "nbformat_minor": 5}))
    assert main(["grade", str(sub), "--out", str(places["work"] / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    for where in (places["work"], places["site"], places["repo"]):
        assert str(where / "lessons") in err
    assert "--lessons DIR" in err


def test_installed_from_reads_pips_record_of_a_local_folder(monkeypatch, tmp_path):
    class Dist:
        def read_text(self, name):
            assert name == "direct_url.json"
            return json.dumps({"url": (tmp_path / "my repo").as_uri(), "dir_info": {}})

    monkeypatch.setattr("importlib.metadata.distribution", lambda name: Dist())
    assert batch._installed_from() == tmp_path / "my repo"
