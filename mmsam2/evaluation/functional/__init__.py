"""VOS evaluation functions: DAVIS / SA-V measures, per-video scores, tables, folders."""

from .davis_measures import (
    BOUND_TH,
    boundary_f_measure,
    boundary_tolerance,
    decay,
    decay_bin_edges,
    disk,
    region_similarity,
    seg2bmap,
    sequence_statistics,
)
from .mask_sources import as_frames, list_frames, object_masks, read_png, split_named_id_map
from .protocols import (
    PROTOCOL_SCALES,
    PROTOCOLS,
    VIDEO_SCORES,
    summarize_protocol,
    write_protocol_tables,
)
from .result_files import (
    list_result_files,
    write_davis_csvs,
    write_result_json,
    write_sav_csv,
)
from .summary import (
    DAVIS_GLOBAL_COLUMNS,
    DAVIS_SEQUENCE_COLUMNS,
    SAV_KEYS,
    SEEN_UNSEEN_KEYS,
    davis_summary,
    sav_summary,
)
from .video_scores import ObjectScores, davis_video_scores, sav_video_scores, set_seen
from .vos_eval import (
    evaluate_results,
    evaluate_video_folder,
    load_seen_split,
    read_split_file,
    run_vos_evaluation,
)

__all__ = [
    'BOUND_TH',
    'DAVIS_GLOBAL_COLUMNS',
    'DAVIS_SEQUENCE_COLUMNS',
    'PROTOCOLS',
    'PROTOCOL_SCALES',
    'SAV_KEYS',
    'SEEN_UNSEEN_KEYS',
    'VIDEO_SCORES',
    'ObjectScores',
    'as_frames',
    'boundary_f_measure',
    'boundary_tolerance',
    'davis_summary',
    'davis_video_scores',
    'decay',
    'decay_bin_edges',
    'disk',
    'evaluate_results',
    'evaluate_video_folder',
    'list_frames',
    'list_result_files',
    'load_seen_split',
    'object_masks',
    'read_png',
    'read_split_file',
    'region_similarity',
    'run_vos_evaluation',
    'sav_summary',
    'sav_video_scores',
    'seg2bmap',
    'sequence_statistics',
    'set_seen',
    'split_named_id_map',
    'summarize_protocol',
    'write_davis_csvs',
    'write_protocol_tables',
    'write_result_json',
    'write_sav_csv',
]
