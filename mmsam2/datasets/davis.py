"""DAVIS 2016 / 2017 semi-supervised video object segmentation."""

from typing import Optional, Union

from mmsam2.registry import DATASETS

from .base_vos_dataset import BaseVOSDataset

DAVIS_YEARS = ('2016', '2017')


@DATASETS.register_module()
class DAVISDataset(BaseVOSDataset):
    """DAVIS 2017 (multi-object) or DAVIS 2016 (single-object).

    Layout under ``data_root``::

        JPEGImages/480p/<video>/00000.jpg
        Annotations/480p/<video>/00000.png      palette PNGs, 255 = void
        ImageSets/{2016,2017}/{train,val,test-dev}.txt

    DAVIS 2016 is single-object: every non-void id of a mask is object 1.
    Objects are those of the first annotated frame, plus (``full_scan``)
    those that appear later. Every frame is evaluated.

    Args:
        data_root (str): The DAVIS folder.
        year (str | int): '2017' or '2016'. Defaults to '2017'.
        split (str): 'train', 'val' or 'test-dev'. Defaults to 'val'.
        resolution (str): '480p' or 'Full-Resolution'. Defaults to '480p'.
        categories_file (str, optional): Json of video -> object id ->
            category, relative to ``data_root``. Defaults to None.
        full_scan (bool): Read every annotation while loading (see
            :class:`BaseVOSDataset`). Defaults to True.
        **kwargs: Other arguments of :class:`BaseVOSDataset` / mmengine's
            ``BaseDataset`` (``ann_file``, ``data_prefix`` override the
            paths above).
    """

    METAINFO: dict = dict(dataset_name='DAVIS', mask_layout='palette')
    YEARS = DAVIS_YEARS
    LAYOUT = (
        'JPEGImages/<resolution>/<video>/00000.jpg, Annotations/<resolution>/<video>/00000.png '
        'and ImageSets/<year>/<split>.txt'
    )

    def __init__(
        self,
        data_root: str,
        year: Union[str, int] = '2017',
        split: str = 'val',
        resolution: str = '480p',
        categories_file: Optional[str] = None,
        full_scan: bool = True,
        **kwargs,
    ) -> None:
        self._set_year(year)
        kwargs.setdefault('ann_file', f'ImageSets/{self.year}/{split}.txt')
        kwargs.setdefault(
            'data_prefix',
            dict(img_path=f'JPEGImages/{resolution}', ann_path=f'Annotations/{resolution}'),
        )
        super().__init__(
            data_root=data_root,
            split=split,
            categories_file=categories_file,
            full_scan=full_scan,
            merge_objects=self.year == '2016',
            **kwargs,
        )
