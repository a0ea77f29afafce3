"""Writers of VOS predictions in the formats the benchmarks' evaluators expect.

* :class:`DAVISWriter`: ``<out_dir>/<video>/<frame>.png`` palette PNGs
  (DAVIS, and any evaluator of DAVIS-style folders).
* :class:`CodaLabZipWriter`: a zip of ``Annotations/<video>/<frame>.png``
  holding only the frames the benchmark evaluates (YouTube-VOS, MOSE, LVOS
  servers).
* :class:`SAVWriter`: ``<out_dir>/<video>/<obj 000>/<frame>.png`` binary
  PNGs, one per object, which may overlap (SA-V).

Masks are given per frame, either as a mapping object id -> (H, W) mask or
score map, or as an (N, H, W) array with the N object ids. Palette formats
cannot overlap: each pixel takes the object with the highest score, if that
score is above ``threshold``.
"""

import os.path as osp
import zipfile
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from mmsam2.fileio.errors import VOSDatasetError

from .mask_io import VOID_ID, encode_palette_png, write_binary_mask, write_palette_mask

Masks = Union[Mapping[int, np.ndarray], np.ndarray]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def stack_masks(
    masks: Masks, object_ids: Optional[Sequence[int]] = None
) -> Tuple[List[int], np.ndarray]:
    """Bring per-object masks or scores to one float array.

    Args:
        masks (Mapping[int, np.ndarray] | np.ndarray): Object id -> (H, W)
            mask / scores, or (N, H, W) masks / scores.
        object_ids (Sequence[int], optional): The N ids of an array input.
            Defaults to None (1..N).

    Returns:
        Tuple[List[int], np.ndarray]: The object ids and their (N, H, W)
        float32 scores (booleans become 0 / 1).
    """
    if isinstance(masks, Mapping):
        if object_ids is not None:
            raise ValueError('object_ids are taken from the mapping keys; do not pass both')
        ids = [int(obj_id) for obj_id in masks]
        arrays = [np.asarray(masks[obj_id], np.float32) for obj_id in masks]
        scores = np.stack(arrays) if arrays else np.zeros((0, 0, 0), np.float32)
    else:
        scores = np.asarray(masks, np.float32)
        ids = list(range(1, len(scores) + 1)) if object_ids is None else list(object_ids)
    if scores.ndim != 3 or len(scores) != len(ids) or not ids:
        raise ValueError(
            f'expected N >= 1 masks of shape (N, H, W) for ids {ids}, got {scores.shape}'
        )
    return ids, scores


def masks_to_id_map(
    masks: Masks, object_ids: Optional[Sequence[int]] = None, threshold: float = 0.0
) -> np.ndarray:
    """Merge per-object masks or scores into one non-overlapping id map.

    Each pixel gets the object with the highest score (the first listed one
    on ties, e.g. overlapping boolean masks) if that score is above
    ``threshold``, else background 0.

    Args:
        masks (Mapping[int, np.ndarray] | np.ndarray): Object id -> (H, W)
            mask / scores, or (N, H, W) masks / scores (e.g. logits).
        object_ids (Sequence[int], optional): The N ids of an array input.
            Defaults to None (1..N).
        threshold (float): Foreground threshold: 0 for logits and boolean
            masks, 0.5 for probabilities. Defaults to 0.0.

    Returns:
        np.ndarray: (H, W) uint8 id map.
    """
    ids, scores = stack_masks(masks, object_ids)
    bad = [obj_id for obj_id in ids if not 0 < obj_id < VOID_ID]
    if bad:
        raise ValueError(f'palette PNGs hold object ids 1..{VOID_ID - 1}, got {bad}')
    winner = scores.argmax(axis=0)
    foreground = np.take_along_axis(scores, winner[None], axis=0)[0] > threshold
    return np.where(foreground, np.asarray(ids, np.uint8)[winner], 0).astype(np.uint8)


class PredictionWriter:
    """Base of the writers of per-frame predictions into ``out_dir``.

    Args:
        out_dir (str): Output folder.
        threshold (float): Foreground threshold of the scores. Defaults to
            0.0.
    """

    def __init__(self, out_dir: str, threshold: float = 0.0) -> None:
        self.out_dir = out_dir
        self.threshold = threshold


class DAVISWriter(PredictionWriter):
    """Write palette PNGs ``<out_dir>/<video>/<frame>.png``.

    Args:
        out_dir (str): Output folder.
        threshold (float): Foreground threshold of the scores. Defaults to
            0.0.

    Examples:
        >>> writer = DAVISWriter('work_dirs/davis_pred')
        >>> writer.write('bike-packing', '00000', {1: mask_1, 2: mask_2})
    """

    def write(
        self,
        video: str,
        frame_name: str,
        masks: Masks,
        object_ids: Optional[Sequence[int]] = None,
    ) -> str:
        """Write the prediction of one frame.

        Args:
            video (str): Video name.
            frame_name (str): Frame name (file stem).
            masks (Mapping[int, np.ndarray] | np.ndarray): See
                :func:`masks_to_id_map`.
            object_ids (Sequence[int], optional): Ids of an array input.
                Defaults to None.

        Returns:
            str: The PNG written.
        """
        path = osp.join(self.out_dir, video, f'{frame_name}.png')
        write_palette_mask(path, masks_to_id_map(masks, object_ids, self.threshold))
        return path


class CodaLabZipWriter:
    """Write a submission zip of ``Annotations/<video>/<frame>.png``.

    YouTube-VOS, MOSE and LVOS servers take such a zip. Only the frames the
    benchmark evaluates are stored (the item's ``annotated_frames``: every 5th
    frame listed in YouTube-VOS's meta.json, every frame for MOSE), so a model
    may run densely and hand every frame to :meth:`write`. :meth:`close`
    checks that no required frame is missing. The zip's bytes depend only on
    what is written (fixed timestamps).

    Args:
        zip_path (str): Output zip file.
        threshold (float): Foreground threshold of the scores. Defaults to
            0.0.

    Examples:
        >>> with CodaLabZipWriter('work_dirs/ytvos19_valid.zip') as writer:
        ...     for item in dataset:
        ...         writer.add_video(item)
        ...         for name, masks in predict(item):
        ...             writer.write(item['video_name'], name, masks)
    """

    def __init__(self, zip_path: str, threshold: float = 0.0) -> None:
        self.zip_path = zip_path
        self.threshold = threshold
        self._zip = zipfile.ZipFile(zip_path, 'w', zipfile.ZIP_STORED)
        self._pending: Dict[str, set] = {}

    def add_video(self, data_info: Mapping) -> None:
        """Register a video and the frames the benchmark needs from it.

        Args:
            data_info (Mapping): Dataset item (``video_name``,
                ``annotated_frames``).
        """
        self._pending[data_info['video_name']] = set(data_info['annotated_frames'])

    def write(
        self,
        video: str,
        frame_name: str,
        masks: Masks,
        object_ids: Optional[Sequence[int]] = None,
    ) -> bool:
        """Store one frame's prediction if the benchmark evaluates that frame.

        Args:
            video (str): Video name (registered with :meth:`add_video`).
            frame_name (str): Frame name (file stem).
            masks (Mapping[int, np.ndarray] | np.ndarray): See
                :func:`masks_to_id_map`.
            object_ids (Sequence[int], optional): Ids of an array input.
                Defaults to None.

        Returns:
            bool: Whether the frame was stored.
        """
        if video not in self._pending:
            raise KeyError(f'video {video!r} was not registered with add_video()')
        if frame_name not in self._pending[video]:
            return False
        self._pending[video].discard(frame_name)
        content = encode_palette_png(masks_to_id_map(masks, object_ids, self.threshold))
        info = zipfile.ZipInfo(f'Annotations/{video}/{frame_name}.png', date_time=ZIP_DATE)
        self._zip.writestr(info, content)
        return True

    def close(self) -> None:
        """Finish the zip; raise if a registered video lacks a required frame."""
        self._zip.close()
        missing = {video: sorted(frames)[:5] for video, frames in self._pending.items() if frames}
        if missing:
            raise VOSDatasetError(
                f'the submission lacks frames the benchmark evaluates: {missing}', self.zip_path
            )

    def __enter__(self) -> 'CodaLabZipWriter':
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()


class SAVWriter(PredictionWriter):
    """Write binary PNGs ``<out_dir>/<video>/<obj 000>/<frame>.png`` (SA-V).

    Each object is thresholded on its own, so objects may overlap.

    Args:
        out_dir (str): Output folder.
        threshold (float): Foreground threshold of the scores. Defaults to
            0.0.
    """

    def write(
        self,
        video: str,
        frame_name: str,
        masks: Masks,
        object_ids: Optional[Sequence[int]] = None,
    ) -> List[str]:
        """Write the prediction of one frame, one PNG per object.

        Args:
            video (str): Video name.
            frame_name (str): Frame name (file stem).
            masks (Mapping[int, np.ndarray] | np.ndarray): Object id -> (H, W)
                mask / scores, or (N, H, W) with ``object_ids``.
            object_ids (Sequence[int], optional): Ids of an array input.
                Defaults to None (0..N-1, SA-V's numbering).

        Returns:
            List[str]: The PNGs written.
        """
        if object_ids is None and not isinstance(masks, Mapping):
            object_ids = range(len(masks))
        ids, scores = stack_masks(masks, object_ids)
        paths = []
        for obj_id, score in zip(ids, scores):
            path = osp.join(self.out_dir, video, f'{obj_id:03d}', f'{frame_name}.png')
            write_binary_mask(path, score > self.threshold)
            paths.append(path)
        return paths
