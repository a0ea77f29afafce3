# SAM 2.1: SAM 2.0 plus the no-object spatial embedding and signed, projected
# temporal encodings of object pointers.
_base_ = ['./sam2_hiera.py']

model = dict(
    no_obj_embed_spatial=True,
    add_tpos_enc_to_obj_ptrs=True,
    proj_tpos_enc_in_obj_ptrs=True,
    use_signed_tpos_enc_to_obj_ptrs=True,
)
