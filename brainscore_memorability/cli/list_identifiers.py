"""``brainscore list``: every identifier this package registers, with a one-line description."""
from brainscore_memorability import registry

HELP = "list the models, benchmarks, metrics and data this package registers"
# what the user types -> registry kinds it covers
GROUPS = {"models": ("model",), "benchmarks": ("benchmark",), "metrics": ("metric",),
          "data": ("data", "stimulus_set")}


def add_arguments(parser):
    parser.add_argument("group", nargs="?", choices=list(GROUPS), help="only this kind (default: all)")
    parser.add_argument("--all", action="store_true", help="also list brainscore-vision's own identifiers")


def rows(group: str, include_upstream: bool) -> list[tuple[str, str]]:
    """(identifier, description) pairs of one group; ours first, then brainscore-vision's."""
    found = []
    for kind in GROUPS[group]:
        found += [(entry.identifier, entry.description) for entry in registry.registrations(kind)]
    for kind in GROUPS[group] if include_upstream else ():
        found += [(identifier, "(brainscore-vision)") for identifier in registry.upstream_identifiers(kind)]
    return found


def run(args) -> int:
    import brainscore_memorability  # noqa: F401  (registers everything)
    for group in [args.group] if args.group else GROUPS:
        group_rows = rows(group, args.all)
        print(f"{group} ({len(group_rows)})")
        width = max((len(identifier) for identifier, _ in group_rows), default=0)
        for identifier, description in group_rows:
            print(f"  {identifier:<{width}}  {description}")
        print()
    return 0
