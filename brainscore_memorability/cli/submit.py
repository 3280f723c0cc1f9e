"""``brainscore submit``: write a Brain-Score leaderboard zip for one model or benchmark, or check a zip."""
import shutil
import sys
import tempfile
from pathlib import Path

from brainscore_memorability import submission

HELP = "write a brain-score.org submission zip (--model/--benchmark) or check one (--check)"


def add_arguments(parser):
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="model identifier, e.g. memnet_joint_resnet50 (see --list)")
    what.add_argument("--benchmark", help="benchmark identifier, e.g. Kar2019_IT_early (see --list)")
    what.add_argument("--check", metavar="ZIP", help="name every leaderboard rule this zip breaks")
    what.add_argument("--list", action="store_true", help="list the identifiers that have leaderboard plugins")
    what.add_argument("--sync-folders", metavar="REPO_ROOT",
                      help="(developers) regenerate models/<plugin>/ and benchmarks/<plugin>/ under REPO_ROOT")
    parser.add_argument("--output", help="zip to write (default: ./<plugin>.zip)")
    parser.add_argument("--weights", metavar="FILE", help="--model: the trained weights to submit (from "
                        "`brainscore export`); needs --weights-url")
    parser.add_argument("--weights-url", metavar="URL", help="where you publish FILE (https://...): the plugin "
                        "records it with FILE's sha256, and on Brain-Score's side downloads, checks and loads it")
    parser.add_argument("--ci", action="store_true",
                        help="first run here what Brain-Score's CI runs on the plugin (its generic tests and the "
                             "plugin's test.py, -m 'not slow'; --weights FILE stands in for the download); write "
                             "the zip only if they pass")
    parser.add_argument("--requirement",
                        help="requirements.txt line of the plugin (default: brainscore-memorability==<this "
                             "version>); e.g. 'brainscore-memorability @ git+https://host/repo@TAG'")
    parser.add_argument("--allow-unpublished", action="store_true",
                        help="write the zip even though its default requirement names a version no package index "
                             "serves yet (you will publish it before uploading)")


def run(args) -> int:
    if args.check:
        return _check(Path(args.check))
    if args.list:
        for entry in submission.leaderboard_registrations():
            print(f"{entry.kind:<9}  {entry.leaderboard_identifier:<32}  {entry.description}")
        return 0
    if args.sync_folders:
        for folder in submission.sync_plugin_folders(Path(args.sync_folders), args.requirement):
            print(f"wrote {folder}")
        return 0
    if (args.weights is None) != (args.weights_url is None) or (args.weights and not args.model):
        raise submission.SubmissionError("--weights FILE and --weights-url URL go together, with --model")
    kind, identifier = ("model", args.model) if args.model else ("benchmark", args.benchmark)
    submission.build_plugin(kind, identifier)  # an unknown identifier fails first
    weights = None
    if args.weights:
        weights = submission.published_weights(identifier, args.weights, args.weights_url)
    elif kind == "model":
        submission.check_weights_published(identifier)
    requirement = args.requirement or submission.default_requirement()
    problem = submission.requirement_problem(requirement)
    if problem and not (args.requirement or args.allow_unpublished):
        raise submission.SubmissionError(
            f"{problem}. Give --requirement 'brainscore-memorability @ git+https://HOST/REPO@TAG' (a tag of this "
            f"version), or --allow-unpublished if you will publish it on PyPI before uploading; nothing written")
    plugin = submission.build_plugin(kind, identifier, requirement, weights)
    if args.ci:
        _run_ci(plugin, args.weights if weights else None)
    path = submission.write_zip(plugin, args.output or f"{plugin.name}.zip")
    print(f"wrote {path} ({path.stat().st_size / 1024:.1f} kB): {plugin.folder}/ registering "
          f"{kind}_registry['{plugin.identifier}']; passes all {len(submission.RULES)} upload checks.")
    print(f"requirements.txt: {requirement} (must be pip-installable by Brain-Score)")
    if weights:
        print(f"weights: {weights['url']} (sha256 {weights['sha256']}), downloaded, checked and loaded by the "
              f"plugin on Brain-Score's side. Put {args.weights} at that address before uploading.")
        if weights["url"].startswith("file:"):
            print("WARNING: Brain-Score's servers cannot read a file:// address; use it for local tests only.")
    for warning in (problem, kind == "benchmark" and submission.hosting_note(identifier)):
        if warning:
            print(f"WARNING: {warning}")
    print("Upload it at brain-score.org: log in, Profile, Submit (vision). Brain-Score then opens a pull "
          "request, runs its generic tests and this plugin's test.py, scores it and emails you.")
    return 0


def _check(path: Path) -> int:
    violations = submission.check_zip(path)
    if not violations:
        print(f"{path}: passes all {len(submission.RULES)} upload checks")
        return 0
    broken = sorted({v.rule for v in violations})
    print(f"{path}: breaks {len(broken)} of {len(submission.RULES)} rules")
    for violation in violations:
        print(f"  {violation}")
    for rule in broken:
        print(f"  rule {rule}: {submission.RULES[rule]}")
    return 1


def _run_ci(plugin, weights_file=None) -> None:
    """Brain-Score's CI on ``plugin``; ``weights_file`` is placed where the plugin's download goes."""
    with tempfile.TemporaryDirectory(prefix="brainscore-ci-") as workdir:
        env = {}
        if weights_file:
            from brainscore_memorability.models.weights import HOME_ENV
            home = Path(workdir) / "home"
            (home / "weights").mkdir(parents=True)
            shutil.copyfile(weights_file, home / "weights" / plugin.weights["file"])
            env[HOME_ENV] = str(home)
        print("running Brain-Score's CI on the plugin ...", file=sys.stderr, flush=True)
        runs = submission.run_brainscore_ci(plugin, Path(workdir), env)
    for run in runs:
        summary = (run.stdout.strip().splitlines() or ["(no output)"])[-1].strip(" =")
        test_file = next(Path(arg).name for arg in run.args if arg.endswith(".py"))
        print(f"Brain-Score CI, {test_file}: {summary}")
    failed = [run for run in runs if run.returncode not in (0, 5)]  # 5: no test selected, as upstream
    if failed:
        raise submission.SubmissionError("Brain-Score's CI would fail on this plugin; its output:\n"
                                         + failed[0].stdout[-3000:] + failed[0].stderr[-1000:])
