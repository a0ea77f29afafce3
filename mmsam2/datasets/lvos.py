"""LVOS v2 (long-term video object segmentation)."""

from typing import Dict, List, Tuple

from mmsam2.fileio.errors import VOSDatasetError
from mmsam2.registry import DATASETS

from .base_vos_dataset import MetaFileVOSDataset
from .video_masks import VideoMasks


@DATASETS.register_module()
class LVOSDataset(MetaFileVOSDataset):
    """LVOS v2, whose meta file gives each object's frame range.

    Layout under ``data_root``::

        <split>/<split>_meta.json                 videos -> objects -> frame_range
        <split>/JPEGImages/<video>/00000001.jpg   8-digit frame numbers
        <split>/Annotations/<video>/00000001.png  palette PNGs

    Each object of ``<split>_meta.json`` has ``frame_range`` with the
    ``start`` and ``end`` frame numbers (inclusive) between which it is
    annotated. It first appears on ``start``, which is often well after the
    first frame; ``annotated_frames`` are the frames inside any range.

    Args:
        data_root (str): The LVOS folder.
        split (str): 'train', 'valid' or 'test'. Defaults to 'valid'.
        full_scan (bool): Read every annotation while loading (see
            :class:`BaseVOSDataset`). Defaults to True.
        **kwargs: Other arguments of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset``.
    """

    METAINFO: dict = dict(dataset_name='LVOS', mask_layout='palette')
    LAYOUT = (
        '<split>/<split>_meta.json, <split>/JPEGImages/<video>/00000001.jpg and '
        '<split>/Annotations/<video>/00000001.png'
    )

    def __init__(
        self, data_root: str, split: str = 'valid', full_scan: bool = True, **kwargs
    ) -> None:
        kwargs.setdefault('ann_file', f'{split}/{split}_meta.json')
        kwargs.setdefault(
            'data_prefix', dict(img_path=f'{split}/JPEGImages', ann_path=f'{split}/Annotations')
        )
        super().__init__(data_root=data_root, split=split, full_scan=full_scan, **kwargs)

    def _frame_ranges(self, video: str) -> Dict[int, Tuple[int, int]]:
        """Read the objects' frame ranges of a video.

        Args:
            video (str): Video name.

        Returns:
            Dict[int, Tuple[int, int]]: Object id -> (start, end) frame
            numbers, inclusive.
        """
        objects = self._videos_meta[video].get('objects', {})
        try:
            ranges = {
                int(obj_id): (int(obj['frame_range']['start']), int(obj['frame_range']['end']))
                for obj_id, obj in objects.items()
            }
        except (KeyError, TypeError, ValueError) as err:
            raise VOSDatasetError(
                f'malformed frame_range for video {video!r} ({err!r}); expected '
                '{"objects": {"1": {"frame_range": {"start": ..., "end": ...}}}}',
                self.ann_file,
            ) from err
        if not ranges or any(start > end for start, end in ranges.values()):
            raise VOSDatasetError(
                f'no objects or an empty frame_range for video {video!r}', self.ann_file
            )
        return ranges

    def _numbered(self, video: str, frame_names: List[str]) -> Dict[int, str]:
        """Map frame numbers to frame names.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames.

        Returns:
            Dict[int, str]: Frame number -> frame name.
        """
        if not all(name.isdigit() for name in frame_names):
            raise VOSDatasetError(
                f'LVOS frame names must be numbers (video {video!r})', self.data_prefix['img_path']
            )
        return {int(name): name for name in frame_names}

    def _declared_objects(self, video: str, frame_names: List[str]) -> Dict[int, str]:
        """Each object's first frame: the start of its frame range.

        Args:
            video (str): Video name.
            frame_names (List[str]): The video's frames, named by their
                numbers (which the frame ranges refer to).

        Returns:
            Dict[int, str]: Object id -> name of its first frame.
        """
        ranges = self._frame_ranges(video)
        numbered = self._numbered(video, frame_names)
        missing = sorted({number for rng in ranges.values() for number in rng} - set(numbered))
        if missing:
            raise VOSDatasetError(
                f'the frame_range of video {video!r} refers to frames {missing[:5]} that are not '
                'in its frame folder',
                self.ann_file,
            )
        return {obj_id: numbered[start] for obj_id, (start, _) in ranges.items()}

    def _annotated_frames(self, video: str, frame_names: List[str], masks: VideoMasks) -> List[str]:
        """The frames inside any object's frame range.

        Args:
            video (str): Video name, whose frame ranges are read.
            frame_names (List[str]): The video's frames, named by their numbers.
            masks (VideoMasks): Its annotations (unused: PNGs may be missing
                inside a range, e.g. in ``valid``).

        Returns:
            List[str]: The frames inside a range, in order.
        """
        ranges = list(self._frame_ranges(video).values())
        return [
            name for name in frame_names if any(start <= int(name) <= end for start, end in ranges)
        ]
