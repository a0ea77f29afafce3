"""Checkpoint files for tests: Meta's key layout from an mmsam2 model."""


def to_meta_layout(state_dict: dict) -> dict:
    """An mmsam2 SAM 2 state dict in Meta's key layout (the converter's inverse).

    Args:
        state_dict (dict): mmsam2 keys (4 neck levels).

    Returns:
        dict: The same tensors under Meta's names.
    """
    inv = {}
    for key, value in state_dict.items():
        if key.startswith('backbone.'):
            key = 'image_encoder.trunk.' + key[len('backbone.') :]
        elif key.startswith('neck.lateral_convs.'):
            level, rest = key[len('neck.lateral_convs.') :].split('.', 1)
            key = f'image_encoder.neck.convs.{3 - int(level)}.conv.{rest}'
        elif key.startswith('prompt_encoder.'):
            key = 'sam_prompt_encoder.' + key[len('prompt_encoder.') :]
        elif key.startswith('mask_decoder.'):
            key = 'sam_mask_decoder.' + key[len('mask_decoder.') :]
        inv[key] = value
    return inv
