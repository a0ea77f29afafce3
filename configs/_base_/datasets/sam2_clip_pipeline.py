# Meta's SAM 2.1 video training augmentation for 1024 x 1024 clips, with the values of
# sam2.1_hiera_b+_MOSE_finetune.yaml. Every random draw is shared by the frames of a clip
# except the last colour jitter, drawn per frame. Normalisation is the model's data
# preprocessor's job.
train_pipeline = [
    dict(type='ClipRandomHorizontalFlip', prob=0.5),
    dict(type='ClipRandomAffine', degrees=25, shear=20, image_interpolation='bilinear'),
    dict(type='ClipResize', size=1024),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.03, saturation=0.03),
    dict(type='ClipRandomGrayscale', prob=0.05),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.05, saturation=0.05, consistent=False),
    dict(type='PackSAM2ClipInputs'),
]
