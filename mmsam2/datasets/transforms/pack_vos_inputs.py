"""Pack a VOS benchmark item for the model's test step."""

from typing import Dict

from mmcv.transforms import BaseTransform

from mmsam2.registry import TRANSFORMS
from mmsam2.structures import VOSVideo


@TRANSFORMS.register_module()
class PackVOSInputs(BaseTransform):
    """Turn a VOS dataset item into ``dict(inputs=VOSVideo, data_samples=None)``.

    The frames and annotations stay lazy: nothing is decoded here. The
    :class:`~mmsam2.structures.VOSVideo` keeps every metadata key of the item
    (``video_name``, ``frame_names``, ``object_ids``,
    ``first_frame_of_object``, ``annotated_frames``, ``ann_paths``, ...).
    """

    def transform(self, results: Dict) -> Dict:
        """Pack ``results``.

        Args:
            results (dict): A dataset item with ``frames`` and ``annotations``.

        Returns:
            dict: ``inputs`` (VOSVideo) and ``data_samples`` (None).
        """
        missing = [key for key in ('frames', 'annotations', 'video_name') if key not in results]
        if missing:
            raise KeyError(f'PackVOSInputs needs a VOS dataset item; missing {missing}')
        info = {k: v for k, v in results.items() if k not in ('frames', 'annotations')}
        video = VOSVideo(results['frames'], results['annotations'], info)
        return dict(inputs=video, data_samples=None)
