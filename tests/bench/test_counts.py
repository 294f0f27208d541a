"""FLOP and byte counts, worked by hand for small shapes."""

import pytest

from dlgpu.bench.counts import activation_bytes, n_parameters, step_bytes, step_flops


def test_step_flops_by_hand():
    # [3, 4, 2, 1], m = 5: weights 4*3 = 12, 2*4 = 8, 1*2 = 2.
    # forward  2 * 5 * (12 + 8 + 2) = 220
    # dW       the same              = 220
    # dA[l-1]  for l = 2, 3 only: 2 * 5 * (8 + 2) = 100   (no dA[0])
    assert step_flops([3, 4, 2, 1], 5) == 540


def test_step_flops_of_the_cpu_target():
    # [784, 256, 128, 1]: weights 200704 + 32768 + 128 = 233600; dA for l >= 2: 32896
    assert step_flops([784, 256, 128, 1], 8192) == 2 * 8192 * (2 * 233600 + 32896)


def test_step_bytes_by_hand():
    # [3, 4, 2, 1], m = 5: a = [15, 20, 10, 5] elements per layer;
    # P = (12 + 4) + (8 + 2) + (2 + 1) = 29 parameters.
    # forward            (15+20) + (20+10) + (10+5) + P  = 80 + 29 = 109
    # output gradient    A_L, Y in, dZ_L out: 3 * 5      = 15
    # weight gradients   the same pairs as forward + P   = 109
    # input gradients    l=3: 5 + 2*10 + 2 = 27; l=2: 10 + 2*20 + 8 = 58 -> 85
    # update             3 P                             = 87
    assert n_parameters([3, 4, 2, 1]) == 29
    assert step_bytes([3, 4, 2, 1], 5, "float32") == 4 * (109 + 15 + 109 + 85 + 87)
    assert step_bytes([3, 4, 2, 1], 5, "float64") == 8 * 405


def test_activation_bytes_count_the_copies_and_both_passes():
    # copies 4n + forward 2n + backward 3n
    assert activation_bytes(1000, "float32") == 9 * 1000 * 4
    assert activation_bytes(10, "float64") == 9 * 10 * 8


@pytest.mark.parametrize("dims,m", [([3], 5), ([3, 0, 1], 5), ([3, 1], 0)])
def test_counts_refuse_shapes_that_are_not_networks(dims, m):
    with pytest.raises(ValueError, match="layer_dims|m must"):
        step_flops(dims, m)
