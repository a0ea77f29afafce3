# Detector-prompted tracking test on the validation videos of the synthetic benchmark
# (DAVIS layout, every frame annotated, object categories in categories.json). Make the
# data once with
#   python tools/dataset_converters/make_synthetic_vos.py data/synthetic_vos --format davis
# Scored with mask-based MOTS measures (TrackMaskMetric: MOTSA, sMOTSA, MOTSP, IDF1, ID
# switches). mmdet's YouTubeVISMetric reads the same samples but its YTVISeval uses
# np.float, which numpy >= 1.24 no longer has.
_base_ = ['./synthetic_vos_test.py']

classes = ('circle', 'square', 'triangle')

test_dataloader = dict(dataset=dict(metainfo=dict(classes=classes)))
val_dataloader = test_dataloader
test_evaluator = dict(_delete_=True, type='TrackMaskMetric')
val_evaluator = test_evaluator
