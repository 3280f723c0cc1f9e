"""Training on bad input: a resume with another run length, exports that must be byte-reproducible,
`export --out DIR/`, the pretrained trunk offline, decompression bombs, and an import of the
package that must not import brainscore_vision."""
import os
import subprocess
import sys
import textwrap
import urllib.error

import pytest
import torch

from brainscore_memorability.errors import DataError, MemorabilityError
from brainscore_memorability_training.__main__ import main
from brainscore_memorability_training.export import export
from brainscore_memorability_training.images import find_bad_images, load_image
from brainscore_memorability_training.loop import train


@pytest.mark.parametrize("change, keys", [(dict(max_steps=4), "max_steps: 2 -> 4"),
                                          (dict(epochs=3), "epochs: 1 -> 3")])
def test_resume_refuses_another_run_length(tiny_config, change, keys):
    """The cosine schedule spans the run's length: lr jumped (0.00075 uninterrupted, 0.000853 resumed)."""
    train(tiny_config(max_steps=2, schedule="cosine"))
    with pytest.raises(MemorabilityError, match=rf"cannot resume .*last\.pt: the run was started with other "
                                                rf"settings \({keys}\)"):
        train(tiny_config(**dict(dict(max_steps=2, schedule="cosine"), **change)), resume=True)


def test_resume_prints_the_step_it_resumes_from(tiny_config, capsys):
    config = tiny_config(max_steps=2, checkpoint_every=1)
    train(config)
    capsys.readouterr()
    train(config, resume=True)
    assert f"resuming {config.out_dir}/last.pt at step 2 of 2" in capsys.readouterr().out


@pytest.fixture(scope="module")
def checkpoint_path(tiny_lamem, tmp_path_factory):
    from brainscore_memorability_training.config import TrainConfig
    config = TrainConfig(arch="resnet18", objective="lamem", lamem_root=str(tiny_lamem), image_size=16,
                         batch_size=8, max_steps=1, workers=0, device="cpu", progress=False,
                         out_dir=str(tmp_path_factory.mktemp("run")))
    return train(config).checkpoint


EXPORT = "import sys; from brainscore_memorability_training.export import export; " \
         "export(sys.argv[1], 'memnet-lamem-resnet18', sys.argv[2], register=False)"


def test_two_exports_of_one_checkpoint_are_byte_identical(checkpoint_path, tmp_path):
    """The safetensors header's key order varied between processes: other sha256, no shared cache."""
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", EXPORT, str(checkpoint_path), str(tmp_path / name / "w.safetensors")],
                       check=True, cwd=os.getcwd(), capture_output=True)
    first, second = (tmp_path / "a" / "w.safetensors").read_bytes(), (tmp_path / "b" / "w.safetensors").read_bytes()
    assert first == second
    from safetensors.torch import load_file
    assert all(torch.equal(value, torch.load(checkpoint_path, weights_only=True)["network"][key])
               for key, value in load_file(tmp_path / "a" / "w.safetensors").items())


def test_export_out_dir_slash_makes_the_folder(checkpoint_path, tmp_path, capsys):
    """`export --out DIR/` into a folder that did not exist wrote a file named DIR."""
    out = tmp_path / "new" / "folder"
    assert main(["export", str(checkpoint_path), "--id", "memnet-lamem-resnet18", "--out", f"{out}/",
                 "--no-register"]) == 0
    assert (out / "memnet-lamem-resnet18.safetensors").is_file()
    assert main(["export", str(checkpoint_path), "--id", "memnet-lamem-resnet18", "--out", str(tmp_path / "w.pt"),
                 "--no-register"]) == 2
    assert "must be a folder (end it with '/') or a .safetensors file" in capsys.readouterr().err


def test_the_pretrained_trunk_offline_is_one_line(tiny_lamem, tiny_imagenet, tmp_path, monkeypatch, capsys):
    """`--config joint-resnet50` starts from torchvision's ImageNet weights: offline, a traceback."""
    import torch.hub

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(torch.hub, "urlopen", offline)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    code = main(["train", "--config", "joint-resnet50", "--lamem-root", str(tiny_lamem), "--imagenet-root",
                 str(tiny_imagenet), "--max-steps", "1", "--batch-size", "8", "--image-size", "16", "--workers", "0",
                 "--device", "cpu", "--no-progress", "--out-dir", str(tmp_path / "run")])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(error) == 1
    assert "could not download torchvision's ImageNet weights of resnet50" in error[0]
    assert "--no-pretrained-imagenet" in error[0] and str(tmp_path / "torch" / "hub" / "checkpoints") in error[0]


def test_decompression_bombs_are_bad_images(bad_images):
    """load_image caught only UnidentifiedImageError, OSError and SyntaxError: --skip-bad-images crashed."""
    bad = dict(find_bad_images(list(bad_images.values())))
    assert set(bad) == {str(p) for p in bad_images.values()}
    assert "decompression bomb" in bad[str(bad_images["bomb"])]
    with pytest.raises(DataError, match=rf"image {bad_images['bomb']} is refused as a decompression bomb .*"
                                        r"--skip-bad-images"):
        load_image(bad_images["bomb"])


def test_importing_the_training_package_does_not_import_brainscore_vision():
    code = textwrap.dedent("""
        import sys
        import brainscore_memorability_training, brainscore_memorability_training.__main__
        from brainscore_memorability_training.config import load_config
        try:
            load_config("joint-resnet5")
        except brainscore_memorability_training.config.MemorabilityError as error:
            assert "joint-resnet50" in str(error)
        print(sorted(m for m in ("brainscore_vision", "brainscore_memorability", "torch") if m in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.getcwd(), check=True)
    assert result.stdout.strip() == "[]"
    from brainscore_memorability import errors
    import brainscore_memorability_training.config as config
    assert config.MemorabilityError is errors.MemorabilityError  # the CLI catches the very same type
