# MOSE train as 8-frame clips of up to 3 objects (Meta's MOSE fine-tuning recipe: each
# video twice per epoch, one clip per GPU). Layout: docs/datasets.md.
_base_ = ['./vos_clip_train_loader.py']

data_root = 'data/MOSE'

train_dataloader = dict(
    dataset=dict(
        dataset=dict(type='MOSEDataset', data_root=data_root, split='train', full_scan=False),
        multiplier=2,
    )
)
