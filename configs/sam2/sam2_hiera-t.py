_base_ = ['../_base_/models/sam2_hiera.py', '../_base_/default_runtime.py']

model = dict(backbone=dict(type='Hiera', arch='tiny'))
