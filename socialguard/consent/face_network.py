"""dlib's 128-d face embedding network (ResNet-29), run with NumPy.

The weights are read from ``dlib_face_recognition_resnet_model_v1.dat`` (shipped by the
face-recognition-models wheel). dlib-bin is built without BLAS or AVX, so its own forward pass
takes about 100 ms per face on our servers; the same arithmetic through NumPy's BLAS takes about
25 ms per face in a batch, which is what lets a 25-face group photo be checked in time.
The output equals dlib's ``face_recognition_model_v1.compute_face_descriptor`` on the same
150x150 face chips (tests compare the two).

Layer order and shapes follow dlib's ``dnn_face_recognition_ex.cpp`` (``anet_type``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

CHIP_SIZE = 150
CHIP_PADDING = 0.25

# (filters, downsample) for each residual block, input side first: alevel4 .. alevel0.
_BLOCKS = (
    [(32, False)] * 3
    + [(64, True)]
    + [(64, False)] * 3
    + [(128, True)]
    + [(128, False)] * 2
    + [(256, True)]
    + [(256, False)] * 2
    + [(256, True)]
)
_LAYER_NAME = re.compile(rb"\x01([\x03-\x20])([a-z_0-9]{3,32})")


class ModelFormatError(ValueError):
    pass


@dataclass(frozen=True)
class _Conv:
    weights: np.ndarray  # (kernel*kernel*channels_in, filters), folded with the affine scale
    bias: np.ndarray  # (filters,), folded with the affine shift
    kernel: int
    stride: int
    padding: int


class _Reader:
    """Just enough of dlib's serialisation format for this network."""

    def __init__(self, data: bytes):
        self.data = data

    def integer(self, pos: int) -> tuple[int, int]:
        # dlib writes integers as one byte (size in the low nibble, sign in the high bit)
        # followed by that many little-endian bytes.
        head = self.data[pos]
        size = head & 0x0F
        value = int.from_bytes(self.data[pos + 1 : pos + 1 + size], "little")
        return (-value if head & 0x80 else value), pos + 1 + size

    def real(self, pos: int) -> tuple[float, int]:
        mantissa, pos = self.integer(pos)
        exponent, pos = self.integer(pos)
        return mantissa * 2.0**exponent, pos

    def tensor(self, pos: int) -> tuple[np.ndarray, int]:
        version, pos = self.integer(pos)
        if version != 2:
            raise ModelFormatError(f"unexpected tensor version {version}")
        dims = []
        for _ in range(4):
            value, pos = self.integer(pos)
            dims.append(value)
        count = int(np.prod(dims))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=pos)
        return values.reshape(dims), pos + 4 * count

    def layers(self) -> list[tuple[str, int]]:
        """Each layer's name and the position just after it, in forward order."""
        found = []
        for match in _LAYER_NAME.finditer(self.data):
            if len(match.group(2)) == match.group(1)[0]:
                found.append((match.group(2).decode("ascii"), match.end()))
        return found


class FaceNetwork:
    """Maps aligned 150x150 RGB face chips to 128-d embeddings."""

    def __init__(self, model_path: str | Path):
        reader = _Reader(Path(model_path).read_bytes())
        self.convs: list[_Conv] = []
        pending: tuple | None = None
        self.fc_weights: np.ndarray | None = None
        self.channel_means: np.ndarray | None = None
        for name, pos in reader.layers():
            if name == "input_rgb_image_sized":
                means = []
                for _ in range(3):
                    value, pos = reader.real(pos)
                    means.append(value)
                self.channel_means = np.array(means, dtype=np.float32)
            elif name.startswith("con_"):
                pending = self._read_conv(reader, pos)
            elif name.startswith("affine_"):
                if pending is None:
                    raise ModelFormatError("affine layer without a convolution before it")
                params, _ = reader.tensor(pos)
                self.convs.append(self._fold(pending, params.ravel()))
                pending = None
            elif name.startswith("fc_"):
                _, pos = reader.integer(pos)  # outputs
                _, pos = reader.integer(pos)  # inputs
                weights, _ = reader.tensor(pos)
                self.fc_weights = weights.reshape(weights.shape[0], weights.shape[1]).copy()
        if len(self.convs) != 1 + 2 * len(_BLOCKS) or self.fc_weights is None:
            raise ModelFormatError(f"{model_path} is not dlib's face recognition ResNet v1")
        if self.channel_means is None:
            raise ModelFormatError("input layer not found")

    @staticmethod
    def _read_conv(reader: _Reader, pos: int) -> tuple:
        params, pos = reader.tensor(pos)
        fields = []
        for _ in range(7):
            value, pos = reader.integer(pos)
            fields.append(value)
        filters, rows, cols, stride, _, padding, _ = fields
        params = params.ravel()
        channels = (params.size - filters) // (filters * rows * cols)
        weights = params[: filters * channels * rows * cols].reshape(filters, channels, rows, cols)
        bias = params[filters * channels * rows * cols :]
        return weights, bias, rows, stride, padding

    @staticmethod
    def _fold(conv: tuple, affine: np.ndarray) -> _Conv:
        weights, bias, kernel, stride, padding = conv
        scale, shift = np.split(affine, 2)
        # (filters, channels, rows, cols) -> (rows*cols*channels, filters) to match im2col below.
        matrix = weights.transpose(2, 3, 1, 0).reshape(-1, weights.shape[0]) * scale
        return _Conv(
            weights=np.ascontiguousarray(matrix, dtype=np.float32),
            bias=(bias * scale + shift).astype(np.float32),
            kernel=kernel,
            stride=stride,
            padding=padding,
        )

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """(n, 150, 150, 3) uint8 RGB chips -> (n, 128) float32 embeddings."""
        if chips.ndim != 4 or chips.shape[1:] != (CHIP_SIZE, CHIP_SIZE, 3):
            raise ValueError(f"expected (n, {CHIP_SIZE}, {CHIP_SIZE}, 3) chips, got {chips.shape}")
        if len(chips) == 0:
            return np.zeros((0, 128), dtype=np.float32)
        x = (chips.astype(np.float32) - self.channel_means) / 256.0
        layers = iter(self.convs)
        x = _max_pool(_relu(_convolve(x, next(layers))))
        for _filters, downsample in _BLOCKS:
            y = _relu(_convolve(x, next(layers)))
            y = _convolve(y, next(layers))
            shortcut = _average_pool(x) if downsample else x
            x = _relu(_add_padded(shortcut, y))
        return x.mean(axis=(1, 2)) @ self.fc_weights


def _windows(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    n, height, width, channels = x.shape
    out_h = 1 + (height - kernel) // stride
    out_w = 1 + (width - kernel) // stride
    sn, sh, sw, sc = x.strides
    return as_strided(
        x,
        shape=(n, out_h, out_w, kernel, kernel, channels),
        strides=(sn, sh * stride, sw * stride, sh, sw, sc),
        writeable=False,
    )


def _convolve(x: np.ndarray, conv: _Conv) -> np.ndarray:
    if conv.padding:
        p = conv.padding
        x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = _windows(x, conv.kernel, conv.stride)
    n, out_h, out_w = windows.shape[:3]
    columns = windows.reshape(n * out_h * out_w, -1)
    out = columns @ conv.weights
    out += conv.bias
    return out.reshape(n, out_h, out_w, -1)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0, out=x)


def _max_pool(x: np.ndarray) -> np.ndarray:
    windows = _windows(x, 3, 2)
    return windows.max(axis=(3, 4))


def _average_pool(x: np.ndarray) -> np.ndarray:
    windows = _windows(x, 2, 2)
    return windows.mean(axis=(3, 4), dtype=np.float32)


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dlib's add_prev: the sum over the larger shape, the smaller tensor zero-padded."""
    if a.shape == b.shape:
        return a + b
    shape = tuple(max(i, j) for i, j in zip(a.shape, b.shape, strict=True))
    out = np.zeros(shape, dtype=np.float32)
    out[:, : a.shape[1], : a.shape[2], : a.shape[3]] += a
    out[:, : b.shape[1], : b.shape[2], : b.shape[3]] += b
    return out
