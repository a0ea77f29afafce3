"""Shared pieces of the training tests: a tiny SAM2Train, hand-built clip batches,
quick ``tools/train.py`` runs of the tiny CPU config, and ``tools/test.py`` runs."""

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmsam2.apis import init_model
from mmsam2.datasets import generate_synthetic_vos
from mmsam2.models.segmentors import SAM2Train
from mmsam2.registry import MODELS

CONFIG_DIR = osp.join(osp.dirname(osp.abspath(__file__)), '..', 'configs')
TINY_MODEL = osp.join(CONFIG_DIR, '_base_', 'models', 'sam2.1_hiera-tiny-cpu.py')


def build_tiny_model(image_size: int = 64, seed: int = 0, **options) -> SAM2Train:
    """The tiny CPU model of the configs at ``image_size``, in train mode.

    Args:
        image_size (int): Input side. Defaults to 64.
        seed (int): Seed of the random initialisation. Defaults to 0.
        **options: Model options overriding the config's.

    Returns:
        SAM2Train: The model.
    """
    init_default_scope('mmsam2')
    cfg = Config.fromfile(TINY_MODEL).model
    cfg.update(image_size=image_size, **options)
    torch.manual_seed(seed)
    return MODELS.build(cfg).train()


def rectangle_masks(
    num_frames: int, num_objects: int, size: int, absent: Sequence[Tuple[int, int]] = ()
) -> torch.Tensor:
    """Moving rectangles, one per object.

    Args:
        num_frames (int): T.
        num_objects (int): K.
        size (int): Image side S.
        absent (Sequence[Tuple[int, int]]): (frame, object) pairs left empty.
            Defaults to ().

    Returns:
        torch.Tensor: Bool masks (T, K, S, S).
    """
    masks = torch.zeros(num_frames, num_objects, size, size, dtype=torch.bool)
    side = size // 4
    for t in range(num_frames):
        for k in range(num_objects):
            if (t, k) in absent:
                continue
            y = (size // 8 + k * side) % (size - side)
            x = (size // 8 + 2 * t + k * side // 2) % (size - side)
            masks[t, k, y : y + side, x : x + side + k] = True
    return masks


def clip_sample(masks: torch.Tensor) -> TrackDataSample:
    """A ``TrackDataSample`` holding masks (T, K, S, S) as in the data contract."""
    frames = []
    for t, frame_masks in enumerate(masks):
        frame = DetDataSample(metainfo=dict(frame_idx=t))
        frame.gt_instances = InstanceData(
            masks=frame_masks, instances_ids=torch.arange(1, frame_masks.shape[0] + 1)
        )
        frames.append(frame)
    sample = TrackDataSample()
    sample.video_data_samples = frames
    return sample


def clip_batch(
    objects_per_clip: Sequence[int], num_frames: int, size: int, seed: int = 0
) -> Tuple[torch.Tensor, List[TrackDataSample]]:
    """Preprocessed-looking clips (random images) and their ground truth.

    Args:
        objects_per_clip (Sequence[int]): K of each clip.
        num_frames (int): T.
        size (int): S.
        seed (int): Seed of the images. Defaults to 0.

    Returns:
        Tuple[torch.Tensor, List[TrackDataSample]]: Inputs (N, T, 3, S, S)
        and one data sample per clip.
    """
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(len(objects_per_clip), num_frames, 3, size, size, generator=g)
    samples = [clip_sample(rectangle_masks(num_frames, k, size)) for k in objects_per_clip]
    return inputs, samples


ROOT = osp.join(CONFIG_DIR, '..')
TINY_TRAIN_CONFIG = osp.join(
    CONFIG_DIR, 'sam2.1_tiny-cpu', 'sam2.1_hiera-t-tiny_1xb1-scratch_synthetic.py'
)


def generate_tiny_davis(data_root: str, num_videos: int) -> None:
    """A small synthetic benchmark in DAVIS layout: 5 frames of 48 x 64, 1 val video.

    Args:
        data_root (str): Output folder.
        num_videos (int): Videos in all (the training ones and the val one).
    """
    generate_synthetic_vos(
        data_root, 'davis', num_videos=num_videos, num_val_videos=1, num_frames=5, size=(48, 64)
    )


def make_quick_clip_training(cfg: Config, data_root: str) -> Config:
    """Make a clip training config quick, in place: 64 px, 3-frame clips of up to 2 objects.

    Args:
        cfg (Config): A training config of ``SAM2Train`` on a clip dataset.
        data_root (str): A synthetic benchmark in DAVIS layout.

    Returns:
        Config: ``cfg`` (data loaded in the main process).
    """
    cfg.model.update(image_size=64, num_correction_pt_per_frame=2)
    clips = cfg.train_dataloader.dataset
    clips.update(num_frames=3, max_num_objects=2)
    clips.dataset.data_root = data_root
    for transform in clips.pipeline:
        if transform.type == 'ClipResize':
            transform.size = 64
    cfg.train_dataloader.num_workers = 0
    return cfg


def tiny_train_config(data_root: str, max_iters: int) -> Config:
    """The tiny CPU training config made quick: 64 px, 3-frame clips of up to 2 objects.

    Args:
        data_root (str): A synthetic benchmark in DAVIS layout.
        max_iters (int): Iterations; every one is logged, a checkpoint at the end.

    Returns:
        Config: The config (data loaded in the main process, seed 0).
    """
    cfg = make_quick_clip_training(Config.fromfile(TINY_TRAIN_CONFIG), data_root)
    cfg.train_cfg.max_iters = max_iters
    cfg.default_hooks.checkpoint.interval = max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    return cfg


def add_custom_hook(cfg: Config, folder: str, module: str, source: str, hook: dict) -> None:
    """Write a hook module and make a config import and use it, in place.

    Args:
        cfg (Config): The config.
        folder (str): Where ``<module>.py`` is written; it must be on the
            ``PYTHONPATH`` of the run.
        module (str): Module name.
        source (str): Its source, registering the hook.
        hook (dict): The hook's config, appended to ``custom_hooks``.
    """
    with open(osp.join(folder, f'{module}.py'), 'w') as file:
        file.write(source)
    cfg.custom_imports = dict(imports=[module], allow_failed_imports=False)
    cfg.custom_hooks = cfg.custom_hooks + [hook]


def hooked_tiny_run(
    folder: str, num_videos: int, max_iters: int, module: str, source: str, hook: dict
) -> Tuple[str, str]:
    """Files of a quick ``tools/train.py`` run with a custom hook.

    Writes a synthetic set (:func:`generate_tiny_davis`, in ``data``), the
    hook module and the config (:func:`tiny_train_config` with the hook, as
    ``tiny.py``) into ``folder``.

    Args:
        folder (str): The run's folder, to be on its ``PYTHONPATH``.
        num_videos (int): Videos of the synthetic set.
        max_iters (int): Training iterations.
        module (str): Module name of the hook.
        source (str): Its source.
        hook (dict): The hook's config.

    Returns:
        Tuple[str, str]: The config file and the work dir (``work``) to use.
    """
    data_root = osp.join(folder, 'data')
    generate_tiny_davis(data_root, num_videos)
    cfg = tiny_train_config(data_root, max_iters)
    add_custom_hook(cfg, folder, module, source, hook)
    config_file = osp.join(folder, 'tiny.py')
    cfg.dump(config_file)
    return config_file, osp.join(folder, 'work')


def logged_losses(work_dir: str) -> Dict[int, float]:
    """Loss per iteration from the scalars mmengine's logger wrote in a work dir.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        Dict[int, float]: Iteration -> loss.
    """
    losses = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        with open(path) as file:
            for line in file:
                record = json.loads(line)
                if 'loss' in record:
                    losses[record['step']] = record['loss']
    return losses


def run_command(
    command: List[str],
    python_path: Sequence[str] = (),
    timeout: Optional[float] = 600,
    cwd: Optional[str] = None,
    **env: str,
) -> Tuple[int, str]:
    """Run a command with the repository (and more folders) on the python path.

    Args:
        command (List[str]): The command.
        python_path (Sequence[str]): More folders for ``PYTHONPATH`` (e.g.
            one holding a hook module of ``custom_imports``). Defaults to ().
        timeout (float, optional): Seconds before it is killed; None waits
            for ever. Defaults to 600.
        cwd (str, optional): Working directory; None keeps this process's.
            Defaults to None.
        **env: Extra environment variables.

    Returns:
        Tuple[int, str]: Return code and output (stdout and stderr).
    """
    done = subprocess.run(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=command_env(python_path, **env),
    )
    return done.returncode, done.stdout


def synthetic_vos_checkpoint(
    tmp, config: str, num_videos: int, num_frames: int, seed: int
) -> Tuple[str, str]:
    """Synthetic DAVIS-layout videos (one held out) and random 64-px weights for a test config.

    Args:
        tmp (pathlib.Path): Empty folder to write into.
        config (str): The VOS test config whose model is saved.
        num_videos (int): Training videos (plus one validation video).
        num_frames (int): Frames per video.
        seed (int): Seed of the generator.

    Returns:
        Tuple[str, str]: The data root and the checkpoint path.
    """
    data = str(tmp / 'synthetic')
    generate_synthetic_vos(
        data, 'davis', num_videos=num_videos, num_frames=num_frames, size=(48, 64), seed=seed,
        num_val_videos=1,
    )  # fmt: skip
    torch.manual_seed(0)
    model = init_model(config, cfg_options={'model.image_size': 64})
    checkpoint = str(tmp / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    return data, checkpoint


def run_test_tool(config: str, checkpoint: str, work_dir: str, *options: str) -> str:
    """Run ``tools/test.py`` from the repository root and check that it succeeds.

    Args:
        config (str): The config file.
        checkpoint (str): The checkpoint.
        work_dir (str): The work dir.
        *options (str): More arguments (``--out``, ``--cfg-options``, ...).

    Returns:
        str: Its output (stdout and stderr).
    """
    command = [sys.executable, osp.join(ROOT, 'tools', 'test.py'), config, checkpoint]
    code, output = run_command(command + ['--work-dir', work_dir, *options], timeout=None, cwd=ROOT)
    assert code == 0, output[-3000:]
    return output


def command_env(python_path: Sequence[str] = (), **env: str) -> Dict[str, str]:
    """This process's environment with the repository (and more) on the python path.

    Args:
        python_path (Sequence[str]): More folders for ``PYTHONPATH``, after
            the repository root. Defaults to ().
        **env: Extra environment variables.

    Returns:
        Dict[str, str]: The environment of a subprocess.
    """
    path = os.pathsep.join([ROOT, *python_path, os.environ.get('PYTHONPATH', '')])
    return dict(os.environ, PYTHONPATH=path, **env)
