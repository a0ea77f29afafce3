"""Write tracking results frame by frame: MOT text, COCO RLE json and an overlay video.

Every writer takes :class:`~mmsam2.models.trackers.TrackedFrame` objects in
frame order (``write``) and finishes its file on ``close`` (or leaving a
``with`` block):

* :class:`MOTTextWriter`: MOT Challenge text, one line
  ``frame,id,x,y,w,h,score,-1,-1,-1`` per object and frame (frames numbered
  from 1, boxes in pixels from the masks);
* :class:`RLEJsonWriter`: one json file with, for every frame, each object's
  id, label, score, box and COCO RLE mask (pycocotools, ``counts`` as a
  string);
* :class:`TrackOverlayWriter`: an mp4 with the masks coloured by id and a
  tag ``<id> <class>`` on each object;
* :class:`TrackWriters`: several of them at once.
"""

import json
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmsam2.fileio.video_writer import VideoWriter
from mmsam2.models.trackers.tracked_frame import TrackedFrame
from mmsam2.utils.rle import encode_rle
from mmsam2.visualization.drawing import draw_labels
from mmsam2.visualization.palette import object_colors
from mmsam2.visualization.sam2_visualizer import SAM2Visualizer


def _make_parent(path: str) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)


def _label_name(class_names: Sequence[str], label: int) -> str:
    return class_names[label] if 0 <= label < len(class_names) else str(label)


class TrackWriter:
    """Base of the writers: ``write`` each frame, then ``close``."""

    def write(self, frame: TrackedFrame) -> None:
        """Add one frame's tracks.

        Args:
            frame (TrackedFrame): The frame.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Finish the output."""

    def __enter__(self) -> 'TrackWriter':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class MOTTextWriter(TrackWriter):
    """MOT Challenge result text: ``frame,id,x,y,w,h,score,-1,-1,-1``.

    Frames are numbered from 1, as in MOT Challenge files; ``x, y, w, h`` is
    the box around the object's mask in pixels.

    Args:
        path (str): Output ``.txt`` file (its folder is created).
    """

    def __init__(self, path: str) -> None:
        _make_parent(path)
        self.path = path
        self._file = open(path, 'w', encoding='utf-8')

    def write(self, frame: TrackedFrame) -> None:
        inst = frame.instances
        for track_id, box, score in zip(
            inst.instances_id.tolist(), inst.bboxes.tolist(), inst.scores.tolist()
        ):
            x0, y0, x1, y1 = box
            self._file.write(
                f'{frame.frame_idx + 1},{track_id},{x0:.2f},{y0:.2f},{x1 - x0:.2f},'
                f'{y1 - y0:.2f},{score:.4f},-1,-1,-1\n'
            )

    def close(self) -> None:
        self._file.close()


class RLEJsonWriter(TrackWriter):
    """All frames' tracks in one json file with COCO RLE masks.

    The file holds ``classes`` and ``frames``: per frame ``frame_idx``,
    ``frame_name`` (when known) and ``objects``, each with ``id``,
    ``label``, ``label_name``, ``score``, ``bbox`` (x, y, w, h) and
    ``segmentation`` (``size`` [H, W], ``counts``).

    Args:
        path (str): Output ``.json`` file (its folder is created).
        class_names (Sequence[str]): Name of each label.
        frame_names (Sequence[str], optional): Name of each frame. Defaults
            to None.
    """

    def __init__(
        self, path: str, class_names: Sequence[str], frame_names: Optional[Sequence[str]] = None
    ) -> None:
        _make_parent(path)
        self.path = path
        self.class_names = list(class_names)
        self.frame_names = frame_names
        self._frames: List[dict] = []

    def write(self, frame: TrackedFrame) -> None:
        inst = frame.instances
        objects = []
        for track_id, box, score, label, mask in zip(
            inst.instances_id.tolist(),
            inst.bboxes.tolist(),
            inst.scores.tolist(),
            inst.labels.tolist(),
            inst.masks.cpu().numpy(),
        ):
            x0, y0, x1, y1 = box
            objects.append(
                dict(
                    id=track_id,
                    label=label,
                    label_name=_label_name(self.class_names, label),
                    score=round(score, 4),
                    bbox=[x0, y0, x1 - x0, y1 - y0],
                    segmentation=encode_rle(mask),
                )
            )
        record = dict(frame_idx=frame.frame_idx, objects=objects)
        if self.frame_names is not None:
            record['frame_name'] = self.frame_names[frame.frame_idx]
        self._frames.append(record)

    def close(self) -> None:
        with open(self.path, 'w', encoding='utf-8') as file:
            json.dump(dict(classes=self.class_names, frames=self._frames), file)


class TrackOverlayWriter(TrackWriter):
    """An mp4 of the frames with each track's mask, outline and ``<id> <class>`` tag.

    Colours follow the ids (the DAVIS palette, as in
    :class:`~mmsam2.visualization.SAM2Visualizer`), so an object keeps its
    colour through the video.

    Args:
        path (str): Output video file (its folder is created).
        class_names (Sequence[str]): Name of each label.
        fps (float): Frame rate. Defaults to 25.
    """

    def __init__(self, path: str, class_names: Sequence[str], fps: float = 25.0) -> None:
        _make_parent(path)
        self.path = path
        self.class_names = list(class_names)
        self.visualizer = SAM2Visualizer(
            name='mmsam2_track_overlay', alpha=0.5, line_width=1, draw_ids=False
        )
        self._video = VideoWriter(path, fps=fps)

    def write(self, frame: TrackedFrame) -> None:
        inst = frame.instances
        ids = inst.instances_id.cpu().numpy()
        canvas = self.visualizer.draw_sam2_predictions(frame.image, inst.masks.cpu().numpy(), ids)
        texts = [
            f'{track_id} {_label_name(self.class_names, label)}'
            for track_id, label in zip(ids.tolist(), inst.labels.tolist())
        ]
        draw_labels(canvas, texts, inst.bboxes[:, :2].cpu().numpy(), object_colors(ids))
        self._video.write(canvas)

    def close(self) -> None:
        self._video.close()

    @property
    def num_frames(self) -> int:
        """Frames written so far."""
        return self._video.num_frames


class TrackWriters(TrackWriter):
    """Several writers fed with the same frames.

    Args:
        writers (Sequence[TrackWriter]): The writers (closed together).
    """

    def __init__(self, writers: Sequence[TrackWriter]) -> None:
        self.writers = list(writers)

    def write(self, frame: TrackedFrame) -> None:
        for writer in self.writers:
            writer.write(frame)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


def open_track_writers(
    mot_path: Optional[str] = None,
    rle_path: Optional[str] = None,
    video_path: Optional[str] = None,
    class_names: Sequence[str] = (),
    fps: float = 25.0,
    frame_names: Optional[Sequence[str]] = None,
) -> TrackWriters:
    """Open the writers of the outputs that have a path.

    Args:
        mot_path (str, optional): MOT text file. Defaults to None.
        rle_path (str, optional): RLE json file. Defaults to None.
        video_path (str, optional): Overlay video. Defaults to None.
        class_names (Sequence[str]): Name of each label. Defaults to ().
        fps (float): Overlay frame rate. Defaults to 25.
        frame_names (Sequence[str], optional): Frame names for the json.
            Defaults to None.

    Returns:
        TrackWriters: The writers, in that order.
    """
    writers: List[TrackWriter] = []
    if mot_path:
        writers.append(MOTTextWriter(mot_path))
    if rle_path:
        writers.append(RLEJsonWriter(rle_path, class_names, frame_names))
    if video_path:
        writers.append(TrackOverlayWriter(video_path, class_names, fps))
    return TrackWriters(writers)
