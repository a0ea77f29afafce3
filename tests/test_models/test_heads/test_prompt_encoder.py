"""Tests of the prompt encoder and its random Fourier position encoding."""

from typing import Tuple

import pytest
import torch
from meta_reference import import_meta_sam2

from mmsam2.models.heads import PromptEncoder
from mmsam2.models.layers import RandomPositionEmbedding
from mmsam2.registry import MODELS

EMBED_DIM = 256
IMAGE_SIZE = (256, 256)
EMBED_SIZE = (16, 16)
BATCH = 2
TOL = 1e-5


def _encoder() -> PromptEncoder:
    torch.manual_seed(0)
    return PromptEncoder(EMBED_DIM, EMBED_SIZE, IMAGE_SIZE).eval()


def _points(num: int = 3) -> Tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    coords = torch.rand(BATCH, num, 2, generator=gen) * torch.tensor(IMAGE_SIZE[::-1])
    labels = torch.randint(0, 2, (BATCH, num), generator=gen, dtype=torch.int32)
    return coords, labels


def _boxes() -> torch.Tensor:
    return torch.tensor([[10.0, 20.0, 120.0, 200.0], [0.0, 0.0, 255.0, 255.0]])


def _masks() -> torch.Tensor:
    gen = torch.Generator().manual_seed(2)
    return torch.randn(BATCH, 1, 4 * EMBED_SIZE[0], 4 * EMBED_SIZE[1], generator=gen)


@pytest.fixture(scope='module')
def encoder_pair() -> Tuple[PromptEncoder, torch.nn.Module]:
    import_meta_sam2()
    from sam2.modeling.sam.prompt_encoder import PromptEncoder as MetaPromptEncoder

    torch.manual_seed(0)
    meta = MetaPromptEncoder(
        embed_dim=EMBED_DIM,
        image_embedding_size=EMBED_SIZE,
        input_image_size=IMAGE_SIZE,
        mask_in_chans=16,
    ).eval()
    # Randomise the zero-initialised LayerNorm2d affine parameters too.
    with torch.no_grad():
        for name, param in meta.named_parameters():
            if 'mask_downscaling.1' in name or 'mask_downscaling.4' in name:
                param.normal_()
    ours = PromptEncoder(EMBED_DIM, EMBED_SIZE, IMAGE_SIZE).eval()
    ours.load_state_dict(meta.state_dict(), strict=True)
    return ours, meta


def test_random_position_embedding_shapes() -> None:
    pe = RandomPositionEmbedding(32)
    assert pe.positional_encoding_gaussian_matrix.shape == (2, 32)
    assert pe((5, 7)).shape == (64, 5, 7)
    assert pe.forward_with_coords(torch.rand(3, 4, 2), (10, 20)).shape == (3, 4, 64)
    assert 'positional_encoding_gaussian_matrix' in pe.state_dict()


def test_random_position_embedding_grid_matches_coords() -> None:
    pe = RandomPositionEmbedding(16)
    grid = pe((4, 6))
    ys, xs = torch.meshgrid(torch.arange(4.0), torch.arange(6.0), indexing='ij')
    centres = torch.stack([xs, ys], dim=-1).reshape(1, -1, 2) + 0.5
    by_coords = pe.forward_with_coords(centres, (4, 6))
    torch.testing.assert_close(grid.flatten(1).T, by_coords[0])


def test_shapes_points_only() -> None:
    sparse, dense = _encoder()(points=_points(3))
    assert sparse.shape == (BATCH, 4, EMBED_DIM)  # 3 points + 1 padding point
    assert dense.shape == (BATCH, EMBED_DIM, *EMBED_SIZE)


def test_shapes_box_only() -> None:
    sparse, dense = _encoder()(boxes=_boxes())
    assert sparse.shape == (BATCH, 2, EMBED_DIM)
    assert dense.shape == (BATCH, EMBED_DIM, *EMBED_SIZE)


def test_shapes_points_and_box() -> None:
    sparse, _ = _encoder()(points=_points(3), boxes=_boxes())
    assert sparse.shape == (BATCH, 5, EMBED_DIM)  # no padding point with a box


def test_shapes_mask_only() -> None:
    encoder = _encoder()
    assert encoder.mask_input_size == (64, 64)
    sparse, dense = encoder(masks=_masks())
    assert sparse.shape == (BATCH, 0, EMBED_DIM)
    assert dense.shape == (BATCH, EMBED_DIM, *EMBED_SIZE)


def test_no_prompts() -> None:
    encoder = _encoder()
    sparse, dense = encoder()
    assert sparse.shape == (1, 0, EMBED_DIM)
    expected = encoder.no_mask_embed.weight.reshape(1, -1, 1, 1).expand_as(dense)
    torch.testing.assert_close(dense, expected, rtol=0, atol=0)
    assert encoder.get_dense_pe().shape == (1, EMBED_DIM, *EMBED_SIZE)


def test_label_semantics() -> None:
    encoder = _encoder()
    coords = torch.tensor([[[10.0, 20.0], [30.0, 40.0], [50.0, 60.0], [1.0, 2.0]]])
    labels = torch.tensor([[-1, 0, 1, 3]])
    with torch.no_grad():
        sparse, _ = encoder(points=(coords, labels))
        pe = encoder.pe_layer.forward_with_coords(coords + 0.5, IMAGE_SIZE)
    kinds = encoder.point_embeddings
    torch.testing.assert_close(sparse[0, 0], encoder.not_a_point_embed.weight[0])
    torch.testing.assert_close(sparse[0, 1], pe[0, 1] + kinds[0].weight[0])
    torch.testing.assert_close(sparse[0, 2], pe[0, 2] + kinds[1].weight[0])
    torch.testing.assert_close(sparse[0, 3], pe[0, 3] + kinds[3].weight[0])
    torch.testing.assert_close(sparse[0, 4], encoder.not_a_point_embed.weight[0])


def test_build_from_config() -> None:
    encoder = MODELS.build(
        dict(
            type='PromptEncoder',
            embed_dim=64,
            image_embedding_size=(8, 8),
            input_image_size=(128, 128),
        )
    )
    assert isinstance(encoder, PromptEncoder)
    sparse, dense = encoder(points=(torch.zeros(1, 2, 2), torch.ones(1, 2)))
    assert sparse.shape == (1, 3, 64) and dense.shape == (1, 64, 8, 8)


def test_parameter_names() -> None:
    names = set(_encoder().state_dict())
    expected = {
        'pe_layer.positional_encoding_gaussian_matrix',
        'not_a_point_embed.weight',
        'no_mask_embed.weight',
        *(f'point_embeddings.{i}.weight' for i in range(4)),
        *(f'mask_downscaling.{i}.{p}' for i in (0, 1, 3, 4, 6) for p in ('weight', 'bias')),
    }
    assert names == expected


@pytest.mark.parametrize(
    'kwargs, message',
    [
        (dict(points=(torch.zeros(2, 3, 2), torch.ones(2, 4))), 'point labels must be'),
        (dict(points=(torch.zeros(2, 3), torch.ones(2, 3))), 'point coords must be'),
        (dict(boxes=torch.zeros(2, 3)), 'boxes must be'),
        (dict(masks=torch.zeros(2, 1, 32, 32)), 'masks must be'),
        (
            dict(points=(torch.zeros(2, 3, 2), torch.ones(2, 3)), boxes=torch.zeros(3, 4)),
            'different batch sizes',
        ),
    ],
)
def test_bad_inputs(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _encoder()(**kwargs)


def _max_diff(ours: Tuple[torch.Tensor, ...], meta: Tuple[torch.Tensor, ...]) -> float:
    assert all(a.shape == b.shape for a, b in zip(ours, meta))
    return max((a - b).abs().max().item() if a.numel() else 0.0 for a, b in zip(ours, meta))


@pytest.mark.parity
def test_parity_position_encoding(encoder_pair: Tuple[PromptEncoder, torch.nn.Module]) -> None:
    ours, meta = encoder_pair
    coords = _points(5)[0]
    with torch.no_grad():
        assert _max_diff((ours.get_dense_pe(),), (meta.get_dense_pe(),)) <= TOL
        diff = _max_diff(
            (ours.pe_layer.forward_with_coords(coords, IMAGE_SIZE),),
            (meta.pe_layer.forward_with_coords(coords, IMAGE_SIZE),),
        )
    assert diff <= TOL


@pytest.mark.parity
@pytest.mark.parametrize(
    'prompts',
    [
        lambda: dict(points=_points(3), boxes=None, masks=None),
        lambda: dict(points=_points(1), boxes=None, masks=None),
        lambda: dict(points=None, boxes=_boxes(), masks=None),
        lambda: dict(points=_points(3), boxes=_boxes(), masks=None),
        lambda: dict(points=None, boxes=None, masks=_masks()),
        lambda: dict(points=_points(2), boxes=None, masks=_masks()),
        lambda: dict(points=None, boxes=None, masks=None),
    ],
    ids=['points', 'one_point', 'box', 'points_box', 'mask', 'points_mask', 'none'],
)
def test_parity_prompts(encoder_pair: Tuple[PromptEncoder, torch.nn.Module], prompts) -> None:
    ours, meta = encoder_pair
    inputs = prompts()
    with torch.no_grad():
        diff = _max_diff(ours(**inputs), meta(**inputs))
    assert diff <= TOL


@pytest.mark.parity
def test_parity_padding_and_box_labels(
    encoder_pair: Tuple[PromptEncoder, torch.nn.Module],
) -> None:
    ours, meta = encoder_pair
    coords = _points(4)[0]
    labels = torch.tensor([[1, 0, 2, 3], [-1, 1, -1, 0]], dtype=torch.int32)
    with torch.no_grad():
        diff = _max_diff(ours((coords, labels), None, None), meta((coords, labels), None, None))
    assert diff <= TOL
