"""Data preprocessors."""

from .sam2_data_preprocessor import SAM2DataPreprocessor, resize_and_normalize

__all__ = ['SAM2DataPreprocessor', 'resize_and_normalize']
