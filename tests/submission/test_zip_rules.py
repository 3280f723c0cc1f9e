"""The zip writer and the checker: our zips pass every upload rule; each broken rule is named."""
import os
import zipfile

import pytest

from brainscore_memorability import submission
from brainscore_memorability.cli import main

INIT = "from brainscore_vision import model_registry\nmodel_registry['bsm_toy_net'] = lambda: None\n"
GOOD = {"sub/": None, "sub/models/": None, "sub/models/bsm_toy_net/": None,
        "sub/models/bsm_toy_net/__init__.py": INIT, "sub/models/bsm_toy_net/test.py": "def test(): pass\n"}


def make_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """A zip with exactly these entries, in this order (None: a folder entry)."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, b"" if content is None else content)
    return path


def rules(path):
    return {violation.rule for violation in submission.check_zip(path)}


def test_a_well_formed_zip_passes(tmp_path):
    assert submission.check_zip(make_zip(tmp_path / "ok.zip", GOOD)) == []


@pytest.mark.parametrize("entries, broken", [
    ({**GOOD, "sub/models/bsm_toy_net/my file.py": ""}, {"spaces"}),
    ({**GOOD, "sub/models/bsm_toy_net/metadata.yaml": "a: 1\n"}, {"metadata"}),
    ({**GOOD, "sub/models/bsm_toy_net/../../evil.py": ""}, {"paths"}),
    ({**GOOD, "other/": None}, {"root"}),
    ({name: c for name, c in GOOD.items() if c is not None}, {"directory-entries", "plugin-type"}),
    ({"sub/models/": None, "sub/": None, **GOOD}, {"directory-entries"}),
    ({**GOOD, "sub/README.md": "hi\n"}, {"plugin-type"}),
    ({**GOOD, "sub/tools/": None}, {"plugin-type"}),
    ({**GOOD, "sub/metrics/": None}, {"plugin-folder"}),
    ({**GOOD, "sub/models/notes.txt": ""}, {"plugin-folder"}),
    ({"sub/": None, "sub/models/": None, "sub/models/bsm-toy-net/": None,
      "sub/models/bsm-toy-net/__init__.py": INIT, "sub/models/bsm-toy-net/test.py": ""}, {"plugin-name"}),
    ({n: c for n, c in GOOD.items() if not n.endswith("test.py")}, {"required-files"}),
    ({**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT.replace("'", '"')}, {"quotes", "identifier-count"}),
    ({**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT + "model_registry['bsm_toy_net2'] = lambda: None\n"},
     {"identifier-count"}),
    ({**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT.replace("bsm_toy_net", "bsm-toy-net")}, {"hyphen"}),
    ({**GOOD, "sub/models/bsm_toy_net/__init__.py": "model_registry['bsm_toy_net'] = lambda: f(x[0])\n"},
     {"registry-line"}),
    ({**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT.replace("bsm_toy_net", "alexnet")}, {"original"}),
    ({"sub/": None, "sub/models/": None, "sub/models/alexnet/": None,
      "sub/models/alexnet/__init__.py": INIT, "sub/models/alexnet/test.py": ""}, {"original"}),
])
def test_each_broken_rule_is_named(tmp_path, entries, broken):
    assert rules(make_zip(tmp_path / "bad.zip", entries)) == broken


def test_commented_registrations_do_not_count(tmp_path):
    entries = {**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT + "# model_registry['bsm_old'] = None\n"}
    assert rules(make_zip(tmp_path / "ok.zip", entries)) == set()


def test_size_limit_is_50_mebibytes(tmp_path):
    big = make_zip(tmp_path / "big.zip", {**GOOD, "sub/models/bsm_toy_net/weights.bin": os.urandom(50 * 2 ** 20 + 1)},
                   compression=zipfile.ZIP_STORED)
    assert rules(big) == {"size"}


def test_unreadable_zip(tmp_path):
    (tmp_path / "not.zip").write_text("hello")
    assert rules(tmp_path / "not.zip") == {"zip"}


def test_every_rule_is_described():
    assert set(submission.RULES) >= {"zip", "size", "paths", "spaces", "metadata", "root", "directory-entries",
                                     "plugin-type", "plugin-folder", "plugin-name", "required-files", "quotes",
                                     "registry-line", "identifier-count", "hyphen", "original"}


def test_written_zips_pass_and_are_reproducible(tmp_path):
    plugin = submission.build_plugin("benchmark", "Kar2019-IT-early")
    first = submission.write_zip(plugin, tmp_path / "a.zip")
    second = submission.write_zip(plugin, tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()
    assert submission.check_zip(first) == []
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
    assert names[:3] == ["Kar2019_IT_early/", "Kar2019_IT_early/benchmarks/", "Kar2019_IT_early/benchmarks/Kar2019_IT_early/"]
    assert "Kar2019_IT_early/benchmarks/Kar2019_IT_early/test.py" in names


def test_writer_refuses_a_plugin_that_breaks_a_rule(tmp_path):
    plugin = submission.build_plugin("benchmark", "Kar2019-IT-early")
    broken = submission.Plugin(plugin.kind, plugin.identifier, "Kar2019-IT-early", plugin.files)
    with pytest.raises(submission.SubmissionError, match=r"\[plugin-name\]"):
        submission.write_zip(broken, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_cli_writes_checks_and_names_rules(tmp_path, capsys):
    out = tmp_path / "k.zip"
    assert main(["submit", "--benchmark", "Kar2019_IT_late", "--output", str(out), "--allow-unpublished"]) == 0
    printed = capsys.readouterr().out
    assert "benchmark_registry['Kar2019_IT_late']" in printed
    # the Kar 2019 data lives only with the user: Brain-Score has to host it first, and gets told what to send
    assert "WARNING: Brain-Score must host the data of 'Kar2019_IT_late'" in printed
    assert "assy_Kar2019_temporal.nc, stimulus_Kar2019_temporal.csv and stimulus_Kar2019_temporal.zip" in printed
    assert "sha1 and sha256" in printed
    assert main(["submit", "--check", str(out)]) == 0
    bad = make_zip(tmp_path / "bad.zip", {**GOOD, "sub/models/bsm_toy_net/__init__.py": INIT.replace("_toy_", "-toy-"),
                                           "sub/models/bsm_toy_net/metadata.yml": ""})
    assert main(["submit", "--check", str(bad)]) == 1
    printed = capsys.readouterr().out
    assert "[hyphen] 'bsm-toy-net'" in printed and "[metadata]" in printed and "breaks 2 of" in printed


def test_cli_unknown_or_ineligible_identifier(tmp_path, capsys, isolated_registry):
    assert main(["submit", "--benchmark", "Kar2019-IT-erly", "--output", str(tmp_path / "x.zip")]) == 2
    assert "Kar2019_IT_early" in capsys.readouterr().err
    isolated_registry.register("benchmark", "bsm-test-bench", "a toy", object)
    assert main(["submit", "--benchmark", "bsm-test-bench", "--output", str(tmp_path / "x.zip")]) == 1
    assert "gets no leaderboard plugin" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_models_need_weights_brainscore_can_download(tmp_path, capsys):
    assert main(["submit", "--model", "memnet_joint_resnet50", "--output", str(tmp_path / "j.zip")]) == 1
    assert "trained weights are not published" in capsys.readouterr().err
    assert not (tmp_path / "j.zip").exists()
    assert main(["submit", "--model", "memnet-imagenet-resnet18", "--output", str(tmp_path / "i.zip"),
                 "--allow-unpublished"]) == 0
    assert submission.check_zip(tmp_path / "i.zip") == []
    assert "WARNING: Brain-Score must host" not in capsys.readouterr().out  # a model has no data to host


def test_a_requirement_no_index_serves_is_refused_unless_confirmed(tmp_path, capsys):
    out = tmp_path / "m.zip"
    assert submission.requirement_problem(submission.default_requirement())  # 0.1.0 is not on PyPI
    assert submission.requirement_problem("brainscore-memorability @ git+https://host/repo@v0.1.0") is None
    assert main(["submit", "--benchmark", "MajajHong2015public.IT_early", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "pins 'brainscore-memorability==0.1.0', which no package index serves" in err
    assert "--requirement" in err and "--allow-unpublished" in err and not out.exists()
    assert main(["submit", "--benchmark", "MajajHong2015public.IT_early", "--output", str(out),
                 "--allow-unpublished"]) == 0
    printed = capsys.readouterr().out
    assert "WARNING: requirements.txt pins 'brainscore-memorability==0.1.0'" in printed and out.exists()
    assert "must host" not in printed  # Brain-Score serves MajajHong2015's public data itself
    git = "brainscore-memorability @ git+https://github.com/owner/brainscore-memorability@v0.1.0"
    assert main(["submit", "--benchmark", "MajajHong2015public.IT_early", "--output", str(out),
                 "--requirement", git]) == 0
    assert "WARNING" not in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert archive.read("MajajHong2015public_IT_early/benchmarks/MajajHong2015public_IT_early/"
                            "requirements.txt").decode() == git + "\n"
