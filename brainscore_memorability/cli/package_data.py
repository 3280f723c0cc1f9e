"""``brainscore package-data``: lab rates (HDF5/NumPy) + images -> Brain-Score NetCDF and StimulusSet."""
HELP = "convert rates (HDF5/NumPy, images x neurons x repetitions x time bins) and images into Brain-Score files"


def add_arguments(parser):
    parser.add_argument("rates", nargs="+", metavar="[ANIMAL=]FILE",
                        help="rates file(s): .h5/.hdf5 with 'rates' or '<animal>/rates' datasets, .npz with the "
                             "same keys, or .npy; ANIMAL=FILE names the monkey of a single-array file")
    parser.add_argument("--stimuli", metavar="CSV",
                        help="CSV with a stimulus_id (or image_id) column in the rates' image order, optional "
                             "'filename' column and any other metadata columns")
    parser.add_argument("--images", metavar="DIR",
                        help="image folder; without --stimuli, images are <stimulus_id>.<suffix> for the rates "
                             "file's stimulus_id (or image_id) list, or else sorted by file name with stimulus_id = "
                             "name without suffix")
    parser.add_argument("--time-bins", nargs=3, type=int, metavar=("START", "STOP", "STEP"),
                        help="time bins in ms after stimulus onset, e.g. 0 300 10 for 30 bins of 10 ms (when the "
                             "file has no time_bin_start/time_bin_end); a bin labelled t covers [t, t+STEP) ms: "
                             "time_bin_start t, time_bin_end t+STEP")
    parser.add_argument("--identifier", default="Kar2019.temporal",
                        help="assembly and stimulus set identifier (default: Kar2019.temporal)")
    parser.add_argument("--region", default="IT", help="recorded region (default: IT)")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder for the NetCDF, CSV and zip")


def run(args) -> int:
    from brainscore_memorability.benchmarks.temporal_it import time_course
    from brainscore_memorability.data import packaging
    time_bins = time_course(*args.time_bins) if args.time_bins else None
    written = packaging.package(args.rates, args.output, args.identifier, stimuli_csv=args.stimuli,
                                images=args.images, time_bins=time_bins, region=args.region)
    shape = written["shape"]
    print(f"{args.identifier}: {shape['presentation']} presentations x {shape['neuroid']} neuroids "
          f"({', '.join(written['animals'])}) x {shape['time_bin']} time bins; "
          f"{100 * written['missing_trials']:.1f}% missing (NaN) values")
    for key in ("assembly", "stimuli_csv", "stimuli_zip"):
        print(f"  {key:<12} {written[key]['path']}  sha1 {written[key]['sha1']}  sha256 {written[key]['sha256']}")
    print(f"score with: brainscore score --model MODEL --benchmark Kar2019-IT-early --data {written['assembly']['path']}")
    return 0
