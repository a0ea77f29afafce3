"""The exception raised for VOS data that is missing or malformed (see :mod:`mmsam2.fileio`)."""

from mmsam2.fileio.errors import DOCS_HINT, VOSDatasetError

__all__ = ['DOCS_HINT', 'VOSDatasetError']
