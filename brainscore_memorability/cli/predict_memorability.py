"""``brainscore predict-memorability``: a memorability score per image from a model's memorability head."""
import csv
import io

from brainscore_memorability.cli import positive_int
from brainscore_memorability.errors import MemorabilityError

HELP = "predict the memorability of image files with a LaMem-trained, joint or ResMem model"


def add_arguments(parser):
    parser.add_argument("--model", required=True,
                        help="a model with a memorability head: memnet-lamem-*, memnet-joint-*, resmem")
    parser.add_argument("--weights", metavar="PATH|random[:SEED]", help="weights file (safetensors or .pt), or "
                        "random[:SEED] for the untrained network (default: the model's registered weights)")
    parser.add_argument("--batch-size", type=positive_int, default=16, help="images per forward pass (default 16)")
    parser.add_argument("--output", help="also write image,score rows to this .csv file (atomically)")
    parser.add_argument("images", nargs="+", help="image files (any format PIL reads)")


def run(args) -> int:
    from brainscore_memorability import registry
    from brainscore_memorability.atomic import check_writable, write_text
    from brainscore_memorability.models.zoo import predict_memorability
    if args.output and not args.output.endswith(".csv"):
        raise MemorabilityError(f"--output '{args.output}' must end in .csv")
    if args.output:
        check_writable(args.output, "--output")
    registry.resolve("model", args.model)
    scores = predict_memorability(args.model, args.images, weights=args.weights, batch_size=args.batch_size)
    print("\n".join(f"{score:.4f}  {image}" for image, score in zip(args.images, scores)))
    if args.output:
        table = io.StringIO()
        csv.writer(table, lineterminator="\n").writerows(
            [("image", "memorability"), *((image, f"{score:.6f}") for image, score in zip(args.images, scores))])
        write_text(args.output, table.getvalue())
        from brainscore_memorability.cli.terminal import wrote
        wrote(args.output, f"{len(args.images)} images: image,memorability")
    return 0
