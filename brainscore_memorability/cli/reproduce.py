"""``brainscore reproduce``: run the whole study (or its simulated sample) into one folder."""
from brainscore_memorability.errors import MemorabilityError

HELP = "reproduce the study: every model on early/late IT, CKA, partial correlations, figures and a report"


def add_arguments(parser):
    parser.add_argument("--config", choices=("sample", "sample-null", "paper"), default="sample",
                        help="sample (default): a simulated world the package builds and small networks it "
                             "trains on CPU, no downloads; sample-null: the same world and networks with no "
                             "memorability component in IT (the pipeline must find no advantage); paper: the "
                             "study's models on Kar et al. 2019 IT data")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder (figures/, tables/, report.md; pieces/ caches finished work)")
    parser.add_argument("--data", metavar="FILE.nc", help="paper config: the Kar2019 IT NetCDF "
                        "(default: $BRAINSCORE_MEMORABILITY_KAR2019 or the config file)")
    parser.add_argument("--pieces", metavar="DIR", help="folder of finished pieces (default OUT/pieces); give "
                        "another run's to reuse its work, e.g. sample-null reuses the sample's trained networks")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="run N model x benchmark pieces at a time in worker processes (default 1)")
    parser.add_argument("--slurm", action="store_true",
                        help="submit the pieces as SLURM job arrays through submitit (--jobs caps how many run at once)")


def run(args) -> int:
    from brainscore_memorability.analysis.pipeline import CONFIGS, run as run_study
    if args.jobs < 1:
        raise MemorabilityError(f"--jobs must be at least 1, not {args.jobs}")
    config = CONFIGS[args.config]
    report = run_study(config, args.out, data=args.data, jobs=args.jobs, slurm=args.slurm, pieces=args.pieces)
    print(f"report: {report}")
    if config.simulated:
        print("NOTE: the sample is SIMULATED data; its numbers say nothing about real IT.")
    return 0
